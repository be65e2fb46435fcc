import { findCondition, READY } from "../api/conditions.ts";
import { dependenciesOf } from "../api/references.ts";
import { formatKey, type ObjectKey, type StateStore, type StoredObject } from "../ports/index.ts";
import { ReconcileError } from "../reconcile/reconciler.ts";
import { conditionsOf } from "../reconcile/status.ts";
import { artifactOf } from "../sources/artifact/publish.ts";
import { readKustomizationSpec } from "./spec.ts";

/** A path back to `start` through dependsOn, if there is one (bounded by the objects that exist). */
async function findCycle(start: StoredObject, state: StateStore): Promise<string[] | undefined> {
  const seen = new Set<string>();
  const walk = async (object: StoredObject, path: string[]): Promise<string[] | undefined> => {
    for (const key of dependenciesOf(object)) {
      const id = formatKey(key);
      if (id === formatKey(start.key)) return [...path, id];
      if (seen.has(id)) continue;
      seen.add(id);
      const next = await state.getObject(key);
      if (next) {
        const cycle = await walk(next, [...path, id]);
        if (cycle) return cycle;
      }
    }
    return undefined;
  };
  return walk(start, [formatKey(start.key)]);
}

/** Waiting on a dependency is routine, as in Flux: a Normal event, retried, never Stalled. */
const WAITING = { eventType: "Normal" } as const;

/**
 * Flux's dependsOn: every dependency must exist, be Ready, and have applied the revision its
 * source holds now. Not yet is a retryable DependencyNotReady (the dependency's success wakes
 * this object); a cycle can never resolve, so it stalls with the path spelled out.
 */
export async function checkDependencies(
  object: StoredObject,
  dependsOn: readonly ObjectKey[],
  state: StateStore,
): Promise<void> {
  if (dependsOn.length === 0) return;
  const cycle = await findCycle(object, state);
  if (cycle)
    throw new ReconcileError("DependencyCycle", `dependsOn forms a cycle: ${cycle.join(" -> ")}`, {
      stalled: true,
    });
  for (const key of dependsOn) {
    const dependency = await state.getObject(key);
    const name = formatKey(key);
    if (!dependency)
      throw new ReconcileError("DependencyNotReady", `dependency '${name}' not found`, WAITING);
    const ready = findCondition(conditionsOf(dependency.status), READY);
    if (ready?.status !== "True")
      throw new ReconcileError("DependencyNotReady", `dependency '${name}' is not ready`, WAITING);
    const source = await state.getObject(readKustomizationSpec(dependency).source);
    const wanted = source ? artifactOf(source)?.revision : undefined;
    const applied = dependency.status?.lastAppliedRevision;
    if (wanted !== undefined && applied !== wanted)
      throw new ReconcileError(
        "DependencyNotReady",
        `dependency '${name}' has not applied revision '${wanted}' of its source yet`,
        WAITING,
      );
  }
}
