import type { ChangeSetEntry } from "../apply/change-set.ts";
import type { ClusterClient } from "../apply/cluster-client.ts";
import { type InventoryEntry, refFromInventory } from "../apply/inventory.ts";
import { pruneObjects } from "../apply/prune.ts";
import type { CommandDeps } from "../control/commands.ts";
import { apiGroup } from "../render/kube-object.ts";
import { deregisterToolkitObjects } from "./register-toolkit.ts";
import { isToolkitGroup } from "./toolkit-objects.ts";

export interface PruneStaleOptions {
  readonly signal: AbortSignal;
  readonly ownerLabels: Readonly<Record<string, string>>;
}

function isToolkitEntry(entry: InventoryEntry): boolean {
  return isToolkitGroup(apiGroup(refFromInventory(entry).apiVersion));
}

/**
 * Removes what left the rendered set since the previous inventory: cluster objects are deleted
 * from the cluster (connecting only when there is one to delete), toolkit objects deregistered
 * from sluice (after their own clean-up).
 */
export async function pruneStale(
  client: () => Promise<ClusterClient>,
  deps: CommandDeps,
  previous: readonly InventoryEntry[],
  current: readonly InventoryEntry[],
  options: PruneStaleOptions,
): Promise<ChangeSetEntry[]> {
  const keep = new Set(current.map((e) => e.id));
  const inCluster = (entries: readonly InventoryEntry[]) => entries.filter((e) => !isToolkitEntry(e));
  const staleInCluster = inCluster(previous).some((e) => !keep.has(e.id));
  const pruned = staleInCluster
    ? await pruneObjects(await client(), inCluster(previous), inCluster(current), options)
    : [];
  const leftGit = previous.filter((e) => !keep.has(e.id) && isToolkitEntry(e)).map(refFromInventory);
  return [...pruned, ...(await deregisterToolkitObjects(leftGit, deps, options))];
}
