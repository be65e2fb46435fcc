import { type KubeObject, objectSubject } from "../render/kube-object.ts";

/** Enough to address one object on the API server. */
export interface ObjectRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
}

export function refOf(object: KubeObject): ObjectRef {
  const { namespace, name } = object.metadata;
  return { apiVersion: object.apiVersion, kind: object.kind, ...(namespace ? { namespace } : {}), name };
}

/** `Kind/namespace/name` (or `Kind/name`), as objectSubject gives for a full object. */
export function refSubject(ref: ObjectRef): string {
  return objectSubject({
    kind: ref.kind,
    metadata: { name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) },
  });
}
