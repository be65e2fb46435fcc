import {
  conditionOf,
  conditionsOf,
  explain,
  field,
  health,
  intField,
  isTrue,
  type LiveObject,
  record,
  stringField,
} from "./health-fields.ts";
import type { HealthResult } from "./health-status.ts";

export function jobHealth(live: LiveObject): HealthResult {
  const succeeded = intField(live, "status.succeeded", 0);
  const completions = intField(live, "spec.completions", intField(live, "spec.parallelism", 1));
  for (const c of conditionsOf(live)) {
    if (c.status !== "True") continue;
    if (c.type === "Complete")
      return health("Current", `Job completed: ${succeeded} of ${completions} succeeded`);
    // FailureTarget precedes Failed while the Job's pods are being terminated: the outcome is already settled.
    if (c.type === "Failed" || c.type === "FailureTarget") return health("Failed", explain(c, "Job failed"));
    // A suspended Job cannot progress until someone resumes it; waiting for it would only run out the clock.
    if (c.type === "Suspended") return health("Current", "Job is suspended");
  }
  if (!field(live, "status.startTime")) return health("InProgress", "Job has not started yet");
  const active = intField(live, "status.active", 0);
  const failed = intField(live, "status.failed", 0);
  return health(
    "InProgress",
    `Job is running: ${succeeded} of ${completions} succeeded, ${active} active, ${failed} failed`,
  );
}

export function podHealth(live: LiveObject): HealthResult {
  const phase = stringField(live, "status.phase") ?? "";
  switch (phase) {
    case "Succeeded":
      return health("Current", "Pod completed successfully");
    case "Failed":
      return health("Failed", `Pod failed${reasonSuffix(live)}`);
    case "Running": {
      if (isTrue(live, "Ready")) return health("Current", "Pod is ready");
      const crashing = waitingContainers(live, (reason) => reason === "CrashLoopBackOff");
      if (crashing.length > 0) return health("Failed", `containers crash-looping: ${crashing.join(", ")}`);
      return health("InProgress", "Pod is running but not ready");
    }
    case "Pending": {
      const scheduled = conditionOf(live, "PodScheduled");
      // Unschedulable can clear when nodes scale up, so it stays InProgress and the message says why.
      if (scheduled?.status === "False")
        return health("InProgress", `Pod not scheduled: ${explain(scheduled, "")}`);
      const waiting = waitingContainers(live, (reason) => reason !== "ContainerCreating");
      if (waiting.length > 0) return health("InProgress", `Pod is pending: ${waiting.join(", ")}`);
      return health("InProgress", "Pod is pending");
    }
    case "":
      return health("InProgress", "Pod has no phase yet");
    default:
      return health("Unknown", `Pod has an unknown phase '${phase}'`);
  }
}

export function pvcHealth(live: LiveObject): HealthResult {
  const phase = stringField(live, "status.phase") ?? "unknown";
  if (phase === "Bound") return health("Current", "PersistentVolumeClaim is bound");
  if (phase === "Lost") return health("Failed", "PersistentVolumeClaim lost its volume");
  return health("InProgress", `PersistentVolumeClaim is not bound (phase ${phase})`);
}

export function serviceHealth(live: LiveObject): HealthResult {
  if (stringField(live, "spec.type") !== "LoadBalancer") return health("Current", "Service is ready");
  const ingress = field(live, "status.loadBalancer.ingress");
  const addresses = Array.isArray(ingress)
    ? ingress.map((entry) => stringField(record(entry), "ip") ?? stringField(record(entry), "hostname"))
    : [];
  if (!addresses.some(Boolean)) return health("InProgress", "LoadBalancer has no ingress address yet");
  return health("Current", `LoadBalancer is ready at ${addresses.filter(Boolean).join(", ")}`);
}

export function crdHealth(live: LiveObject): HealthResult {
  const names = conditionOf(live, "NamesAccepted");
  if (names?.status === "False") return health("Failed", explain(names, "names not accepted"));
  const established = conditionOf(live, "Established");
  if (established?.status === "True") return health("Current", "CustomResourceDefinition is established");
  if (established?.status === "False" && established.reason !== "Installing")
    return health("Failed", explain(established, "not established"));
  return health("InProgress", "CustomResourceDefinition is being installed");
}

function reasonSuffix(live: LiveObject): string {
  const reason = stringField(live, "status.reason");
  const message = stringField(live, "status.message");
  if (reason && message) return `: ${reason}: ${message}`;
  return reason || message ? `: ${reason || message}` : "";
}

/** `name (Reason)` for each container whose waiting reason matches. */
function waitingContainers(live: LiveObject, matches: (reason: string) => boolean): string[] {
  const statuses = [field(live, "status.initContainerStatuses"), field(live, "status.containerStatuses")];
  return statuses.flatMap((list) =>
    (Array.isArray(list) ? list : []).flatMap((entry) => {
      const reason = stringField(record(entry), "state.waiting.reason");
      const name = stringField(record(entry), "name") ?? "?";
      return reason && matches(reason) ? [`${name} (${reason})`] : [];
    }),
  );
}
