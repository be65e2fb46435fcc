import { ReconcilerRegistry } from "./registry.ts";

/**
 * The reconcilers this build of sluice ships. Kinds arrive with their issues (sources,
 * Kustomization, HelmRelease, image automation); until then an object of any kind is reported
 * Stalled with reason UnsupportedKind rather than ignored.
 */
export function builtInReconcilers(): ReconcilerRegistry {
  return new ReconcilerRegistry([]);
}
