import {
  conditionOf,
  conditionsOf,
  countOf,
  explain,
  field,
  health,
  intField,
  type LiveObject,
  stringField,
} from "./health-fields.ts";
import type { HealthResult } from "./health-status.ts";

// Replica workloads: status counters against the desired count, in the order a rollout fills them in.

/** The deployment controller only sets Progressing when a deadline is configured; MaxInt32 means none. */
const NO_PROGRESS_DEADLINE = 2_147_483_647;

export function deploymentHealth(live: LiveObject): HealthResult {
  const progressing = conditionOf(live, "Progressing");
  if (progressing?.reason === "ProgressDeadlineExceeded")
    return health("Failed", explain(progressing, "progress deadline exceeded"));
  const want = intField(live, "spec.replicas", 1);
  const replicas = intField(live, "status.replicas", 0);
  const updated = intField(live, "status.updatedReplicas", 0);
  const available = intField(live, "status.availableReplicas", 0);
  const ready = intField(live, "status.readyReplicas", 0);
  if (replicas < want) return health("InProgress", countOf(replicas, want, "created"));
  if (updated < want) return health("InProgress", countOf(updated, want, "updated"));
  if (replicas > want) return health("InProgress", `${replicas - want} old replicas pending termination`);
  if (available < updated) return health("InProgress", countOf(available, want, "available"));
  if (ready < want) return health("InProgress", countOf(ready, want, "ready"));
  const noDeadline =
    intField(live, "spec.progressDeadlineSeconds", NO_PROGRESS_DEADLINE) === NO_PROGRESS_DEADLINE;
  const rolledOut = progressing?.status === "True" && progressing.reason === "NewReplicaSetAvailable";
  if (!noDeadline && !rolledOut)
    return health("InProgress", "rollout in progress: new ReplicaSet not available yet");
  if (conditionOf(live, "Available")?.status !== "True")
    return health("InProgress", "Deployment does not have minimum availability");
  return health("Current", `Deployment is available: ${countOf(available, want, "available")}`);
}

export function statefulSetHealth(live: LiveObject): HealthResult {
  // With OnDelete the user rolls pods by hand: there is no rollout to wait for.
  if (stringField(live, "spec.updateStrategy.type") === "OnDelete")
    return health("Current", "StatefulSet uses the OnDelete update strategy");
  const want = intField(live, "spec.replicas", 1);
  const replicas = intField(live, "status.replicas", 0);
  const ready = intField(live, "status.readyReplicas", 0);
  const updated = intField(live, "status.updatedReplicas", 0);
  if (replicas < want) return health("InProgress", countOf(replicas, want, "created"));
  if (ready < want) return health("InProgress", countOf(ready, want, "ready"));
  if (replicas > want) return health("InProgress", `${replicas - want} old replicas pending termination`);
  const partition = intField(live, "spec.updateStrategy.rollingUpdate.partition", 0);
  if (partition > 0) {
    // Pods below the partition ordinal stay on the old revision by design.
    const target = Math.max(want - partition, 0);
    if (updated < target)
      return health("InProgress", countOf(updated, target, "updated (partitioned rollout)"));
    return health("Current", `partitioned rollout complete: ${countOf(updated, target, "updated")}`);
  }
  if (updated < want) return health("InProgress", countOf(updated, want, "updated"));
  if (stringField(live, "status.currentRevision") !== stringField(live, "status.updateRevision"))
    return health("InProgress", "waiting for the current revision to reach the update revision");
  return health("Current", `StatefulSet is ready: ${countOf(ready, want, "ready")}`);
}

export function daemonSetHealth(live: LiveObject): HealthResult {
  // The DaemonSet controller always records observedGeneration; without it, it has not looked yet.
  if (field(live, "status.observedGeneration") === undefined)
    return health("InProgress", "DaemonSet has not been observed by its controller yet");
  const desired = intField(live, "status.desiredNumberScheduled", -1);
  if (desired < 0) return health("InProgress", "DaemonSet has no desired number of scheduled pods yet");
  const scheduled = intField(live, "status.currentNumberScheduled", 0);
  const updated = intField(live, "status.updatedNumberScheduled", 0);
  const available = intField(live, "status.numberAvailable", 0);
  const ready = intField(live, "status.numberReady", 0);
  const pods = (have: number, what: string) => `${have} of ${desired} pods ${what}`;
  if (scheduled < desired) return health("InProgress", pods(scheduled, "scheduled"));
  if (updated < desired) return health("InProgress", pods(updated, "updated"));
  if (available < desired) return health("InProgress", pods(available, "available"));
  if (ready < desired) return health("InProgress", pods(ready, "ready"));
  return health("Current", `DaemonSet is ready: ${pods(ready, "ready")}`);
}

export function replicaSetHealth(live: LiveObject): HealthResult {
  const failure = conditionsOf(live).find((c) => c.type === "ReplicaFailure" && c.status === "True");
  if (failure) return health("InProgress", `replica failure: ${explain(failure, "check the Pods")}`);
  const want = intField(live, "spec.replicas", 1);
  const replicas = intField(live, "status.replicas", 0);
  const available = intField(live, "status.availableReplicas", 0);
  const ready = intField(live, "status.readyReplicas", 0);
  if (available < want) return health("InProgress", countOf(available, want, "available"));
  if (ready < want) return health("InProgress", countOf(ready, want, "ready"));
  if (replicas > want) return health("InProgress", `${replicas - want} old replicas pending termination`);
  return health("Current", `ReplicaSet is available: ${countOf(available, want, "available")}`);
}
