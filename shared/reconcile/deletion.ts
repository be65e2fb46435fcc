import type { StoredObject } from "../ports/index.ts";
import type { ReconcileResult } from "./reconciler.ts";
import type { RunAction } from "./run-with-timeout.ts";

/**
 * Set on an object whose deletion was asked for. Like Kubernetes' deletionTimestamp with a
 * finalizer: the object stays until its reconciler has cleaned up what it owns (a
 * Kustomization's applied objects, a source's artifacts), then the worker removes it.
 */
export const DELETION_ANNOTATION = "sluice.dev/deletion-requested-at";

export function deletionRequested(object: StoredObject): boolean {
  return object.metadata.annotations?.[DELETION_ANNOTATION] !== undefined;
}

const FINALIZED: ReconcileResult = { message: "finalized: ready to be removed" };

/** Cleans up through the kind's `finalize`. */
export const finalizeAction: RunAction = async (reconciler, input) => {
  await reconciler.finalize?.(input);
  return FINALIZED;
};
