import { apiGroup } from "../render/kube-object.ts";
import { crdHealth, jobHealth, podHealth, pvcHealth, serviceHealth } from "./health-core-kinds.ts";
import { conditionOf, conditionsOf, explain, field, health, type LiveObject } from "./health-fields.ts";
import {
  daemonSetHealth,
  deploymentHealth,
  replicaSetHealth,
  statefulSetHealth,
} from "./health-workloads.ts";

/** kstatus's vocabulary: Current means reconciled and healthy; Failed will not get better on its own. */
export type HealthState = "Current" | "InProgress" | "Failed" | "NotFound" | "Unknown";
export interface HealthResult {
  readonly state: HealthState;
  readonly message: string;
}

type KindRule = (live: LiveObject) => HealthResult;

/** Built-in kinds whose controllers report through counters and phases rather than standard conditions. */
const KIND_RULES: Readonly<Record<string, KindRule>> = {
  "apps/Deployment": deploymentHealth,
  "apps/StatefulSet": statefulSetHealth,
  "apps/DaemonSet": daemonSetHealth,
  "apps/ReplicaSet": replicaSetHealth,
  "batch/Job": jobHealth,
  Pod: podHealth,
  PersistentVolumeClaim: pvcHealth,
  Service: serviceHealth,
  "apiextensions.k8s.io/CustomResourceDefinition": crdHealth,
};

/**
 * The health of a live object by kstatus's rules: generic checks first (deletion, observed generation,
 * Reconciling/Stalled conditions), then the kind's own rules, then a `Ready` condition; objects without
 * any status to judge (ConfigMap, Secret, ...) are Current.
 */
export function computeHealth(live: Readonly<Record<string, unknown>>): HealthResult {
  const kind = typeof live.kind === "string" ? live.kind : "";
  const apiVersion = typeof live.apiVersion === "string" ? live.apiVersion : "";
  if (!kind) return health("Unknown", "object has no kind");
  const generic = genericHealth(live, kind);
  if (generic) return generic;
  const rule = KIND_RULES[ruleKey(apiVersion, kind)];
  if (rule) return rule(live);
  return readyConditionHealth(live) ?? health("Current", `${kind} has no status to wait for`);
}

function ruleKey(apiVersion: string, kind: string): string {
  const group = apiGroup(apiVersion);
  // Pre-apps/v1 workloads lived in `extensions`; they follow the same rules.
  return group ? `${group === "extensions" ? "apps" : group}/${kind}` : kind;
}

function genericHealth(live: LiveObject, kind: string): HealthResult | undefined {
  if (field(live, "metadata.deletionTimestamp"))
    return health("InProgress", `${kind} is being deleted (waiting for finalizers)`);
  const generation = field(live, "metadata.generation");
  const observed = field(live, "status.observedGeneration");
  if (typeof generation === "number" && typeof observed === "number" && observed !== generation)
    return health(
      "InProgress",
      `${kind} generation is ${generation}, but its controller has only observed generation ${observed}`,
    );
  // The standard abnormal-true conditions are authoritative when a controller sets them.
  for (const c of conditionsOf(live)) {
    if (c.status !== "True") continue;
    if (c.type === "Reconciling") return health("InProgress", explain(c, "reconciling"));
    if (c.type === "Stalled") return health("Failed", explain(c, "stalled"));
  }
  return undefined;
}

function readyConditionHealth(live: LiveObject): HealthResult | undefined {
  const ready = conditionOf(live, "Ready");
  if (!ready) return undefined;
  if (ready.status === "True") return health("Current", explain(ready, "Ready"));
  return health(
    "InProgress",
    `not ready: ${explain(ready, `Ready condition is ${ready.status || "unset"}`)}`,
  );
}
