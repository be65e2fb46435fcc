import { formatKey, type ObjectKey } from "../ports/object-key.ts";

/** How one toolkit object points at another: it reads its artifact, or waits for it to be Ready. */
export type ReferenceRelation = "source" | "dependsOn";

export interface Reference {
  readonly relation: ReferenceRelation;
  readonly target: ObjectKey;
}

/** What the references are computed from: an object's key (for defaults) and its spec. */
export interface Referrer {
  readonly key: ObjectKey;
  readonly spec: Readonly<Record<string, unknown>>;
}

type Ref = { kind?: unknown; name?: unknown; namespace?: unknown };

function refKey(referrer: Referrer, ref: Ref | undefined, kind?: string): ObjectKey | undefined {
  const refKind = kind ?? ref?.kind;
  if (!ref || typeof refKind !== "string" || typeof ref.name !== "string") return undefined;
  const namespace = typeof ref.namespace === "string" ? ref.namespace : referrer.key.namespace;
  return { kind: refKind, namespace, name: ref.name };
}

/**
 * The sources an object reads: `spec.sourceRef` (Kustomization, HelmChart), a HelmRelease's
 * chart template or chartRef, and a GitRepository's includes.
 */
export function sourcesOf(object: Referrer): ObjectKey[] {
  const spec = object.spec as {
    sourceRef?: Ref;
    chartRef?: Ref;
    chart?: { spec?: { sourceRef?: Ref } };
    include?: { repository?: Ref }[];
  };
  const refs = [
    refKey(object, spec.sourceRef),
    refKey(object, spec.chartRef),
    refKey(object, spec.chart?.spec?.sourceRef),
    ...(Array.isArray(spec.include)
      ? spec.include.map((i) => refKey(object, i?.repository, "GitRepository"))
      : []),
  ];
  return refs.filter((r): r is ObjectKey => r !== undefined);
}

/** The objects of its own kind an object waits for (`spec.dependsOn`, Flux's shape: name and optional namespace). */
export function dependenciesOf(object: Referrer): ObjectKey[] {
  const list = (object.spec as { dependsOn?: Ref[] }).dependsOn;
  if (!Array.isArray(list)) return [];
  return list.map((d) => refKey(object, d, object.key.kind)).filter((r): r is ObjectKey => r !== undefined);
}

/**
 * Every reference of an object, each once, in a stable order: what the state store indexes so
 * "who reads this source" and "who waits for this one" are lookups, not scans.
 */
export function referencesOf(object: Referrer): Reference[] {
  const all = [
    ...sourcesOf(object).map((target) => ({ relation: "source" as const, target })),
    ...dependenciesOf(object).map((target) => ({ relation: "dependsOn" as const, target })),
  ];
  const unique = new Map(all.map((ref) => [referenceId(ref), ref]));
  return [...unique.keys()].sort().map((id) => unique.get(id) as Reference);
}

/** `source:GitRepository/flux-system/podinfo`: one reference as a string, for index keys. */
export function referenceId(ref: Reference): string {
  return `${ref.relation}:${formatKey(ref.target)}`;
}
