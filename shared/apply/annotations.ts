import type { KubeObject } from "../render/kube-object.ts";

const GROUP = "kustomize.toolkit.fluxcd.io";
export const SSA_ANNOTATION = `${GROUP}/ssa`;
export const RECONCILE_ANNOTATION = `${GROUP}/reconcile`;
export const PRUNE_ANNOTATION = `${GROUP}/prune`;
export const FORCE_ANNOTATION = `${GROUP}/force`;

/** Whether the object carries the annotation with this value (Flux compares values case-insensitively). */
export function annotated(
  object: Pick<KubeObject, "metadata"> | undefined,
  name: string,
  value: string,
): boolean {
  const actual = object?.metadata.annotations?.[name];
  return actual !== undefined && actual.toLowerCase() === value.toLowerCase();
}

/** `reconcile: disabled` or `ssa: Ignore`, on the manifest or on the live object: leave it alone. */
export function excludedFromApply(object: Pick<KubeObject, "metadata"> | undefined): boolean {
  return annotated(object, RECONCILE_ANNOTATION, "disabled") || annotated(object, SSA_ANNOTATION, "Ignore");
}

/** `prune: disabled` (or `reconcile: disabled`) on the live object: never delete it. */
export function excludedFromPrune(object: Pick<KubeObject, "metadata">): boolean {
  return (
    annotated(object, PRUNE_ANNOTATION, "disabled") || annotated(object, RECONCILE_ANNOTATION, "disabled")
  );
}
