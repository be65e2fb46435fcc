import { ReconcileError } from "../reconcile/reconciler.ts";
import { excludedFromPrune } from "./annotations.ts";
import type { ChangeSetEntry } from "./change-set.ts";
import type { ClusterClient } from "./cluster-client.ts";
import { abortedWhile, describeError, PRUNE_FAILED } from "./failure.ts";
import { type InventoryEntry, refFromInventory } from "./inventory.ts";
import { compareForApply, isClusterDefinition, isCrd } from "./kind-order.ts";
import { NoKindMatchError } from "./kube-errors.ts";
import { mapLimit } from "./map-limit.ts";
import { type ObjectRef, refSubject } from "./object-ref.ts";

export interface PruneOptions {
  readonly signal: AbortSignal;
  /**
   * Labels the live object must carry to be deleted (Flux's `kustomize.toolkit.fluxcd.io/name`
   * and `/namespace`), so an object another owner re-created under the same name survives.
   */
  readonly ownerLabels?: Readonly<Record<string, string>>;
}

/**
 * Deletes the objects of the previous inventory that the current one no longer has, in reverse
 * apply order: namespaced objects first, then Namespaces and ClusterRoles, CRDs last (deleting a
 * CRD deletes its custom resources, a Namespace its contents). Objects annotated
 * `kustomize.toolkit.fluxcd.io/prune: disabled` are kept (`skipped`); objects already gone are
 * left out of the result. Every deletion is attempted; failures are reported together.
 */
export async function pruneObjects(
  client: ClusterClient,
  previous: readonly InventoryEntry[],
  current: readonly InventoryEntry[],
  options: PruneOptions,
): Promise<ChangeSetEntry[]> {
  const keep = new Set(current.map((e) => e.id));
  const stale = previous
    .filter((e) => !keep.has(e.id))
    .map(refFromInventory)
    .sort((a, b) => compareForApply(b, a));
  const tiers = [
    stale.filter((r) => !isClusterDefinition(r)),
    stale.filter((r) => isClusterDefinition(r) && !isCrd(r)),
    stale.filter(isCrd),
  ];
  const entries: ChangeSetEntry[] = [];
  const failures: string[] = [];
  try {
    for (const tier of tiers) {
      const results = await mapLimit(tier, client.concurrency, (ref) => pruneOne(client, ref, options));
      for (const r of results) {
        if ("failure" in r) failures.push(r.failure);
        else if (r.entry) entries.push(r.entry);
      }
    }
  } catch (error) {
    if (options.signal.aborted) throw abortedWhile(options.signal, "pruning objects", PRUNE_FAILED);
    throw error;
  }
  if (failures.length > 0) {
    throw new ReconcileError(PRUNE_FAILED, `prune failed: ${failures.join("; ")}`);
  }
  return entries;
}

type PruneResult = { readonly entry?: ChangeSetEntry } | { readonly failure: string };

async function pruneOne(client: ClusterClient, ref: ObjectRef, options: PruneOptions): Promise<PruneResult> {
  const subject = refSubject(ref);
  const { signal } = options;
  try {
    const live = await client.get(ref, { signal });
    if (!live) return {};
    if (excludedFromPrune(live) || !ownedBy(live.metadata.labels, options.ownerLabels)) {
      return { entry: { subject, action: "skipped", object: ref } };
    }
    if (!(await client.delete(ref, { signal }))) return {};
    return { entry: { subject, action: "deleted", object: ref } };
  } catch (error) {
    if (signal.aborted) throw error;
    // The kind is no longer served (its CRD went first, by hand): its objects went with it.
    if (error instanceof NoKindMatchError) return {};
    return { failure: `${subject} delete failed${describeError(error)}` };
  }
}

/** Whether the live labels carry every owner label (no owner given: anything goes). */
export function ownedBy(
  labels: Readonly<Record<string, string>> | undefined,
  owner: Readonly<Record<string, string>> | undefined,
): boolean {
  if (!owner) return true;
  return Object.entries(owner).every(([k, v]) => labels?.[k] === v);
}
