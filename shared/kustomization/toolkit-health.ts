import type { KubeConfig } from "@kubernetes/client-node";
import { findCondition, READY } from "../api/conditions.ts";
import { health } from "../apply/health-fields.ts";
import { computeHealth } from "../apply/health-status.ts";
import { clusterHealth, type HealthReader } from "../apply/health-wait.ts";
import type { StateStore } from "../ports/index.ts";
import { conditionsOf } from "../reconcile/status.ts";
import { apiGroup } from "../render/kube-object.ts";
import { isToolkitGroup, toolkitKey } from "./toolkit-objects.ts";

/**
 * Health of toolkit objects (a Kustomization's child Kustomizations, its sources, …): they live
 * in sluice's state store, not in the cluster, and are judged by the same kstatus rules from
 * their stored generation and status. One never reconciled yet is still in progress.
 */
export function toolkitHealth(state: StateStore): HealthReader {
  return async (ref) => {
    const stored = await state.getObject(toolkitKey(ref)).catch(() => undefined);
    if (!stored) return health("NotFound", `${ref.kind} is not registered`);
    if (!findCondition(conditionsOf(stored.status), READY))
      return health("InProgress", `${ref.kind} has not been reconciled yet`);
    return computeHealth({
      apiVersion: stored.apiVersion,
      kind: stored.key.kind,
      metadata: { generation: stored.generation },
      status: stored.status,
    });
  };
}

/** Reads toolkit objects from the state store and everything else from the cluster. */
export function kustomizationHealth(state: StateStore, cluster: () => Promise<KubeConfig>): HealthReader {
  const fromState = toolkitHealth(state);
  let fromCluster: Promise<HealthReader> | undefined;
  return async (ref, signal) => {
    if (isToolkitGroup(apiGroup(ref.apiVersion))) return fromState(ref, signal);
    fromCluster ??= cluster().then(clusterHealth);
    return (await fromCluster)(ref, signal);
  };
}
