/** A Kubernetes object as rendered from manifests: what gets validated, applied and inventoried. */
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: KubeObjectMetadata;
  readonly [field: string]: unknown;
}

export interface KubeObjectMetadata {
  readonly name: string;
  readonly namespace?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly [field: string]: unknown;
}

/** `Kind/namespace/name`, or `Kind/name` for cluster-scoped objects: how Flux names objects in events. */
export function objectSubject(object: Pick<KubeObject, "kind" | "metadata">): string {
  const { namespace, name } = object.metadata;
  return namespace ? `${object.kind}/${namespace}/${name}` : `${object.kind}/${name}`;
}

/** The API group of an apiVersion: "" for the core group (`v1`). */
export function apiGroup(apiVersion: string): string {
  const slash = apiVersion.indexOf("/");
  return slash < 0 ? "" : apiVersion.slice(0, slash);
}

export function annotationOf(object: Pick<KubeObject, "metadata">, name: string): string | undefined {
  return object.metadata.annotations?.[name];
}
