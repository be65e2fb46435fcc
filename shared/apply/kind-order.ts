import { apiGroup, type KubeObject } from "../render/kube-object.ts";

// Flux's reconcile order: definitions and the things others refer to come first, webhooks last
// (so a webhook never rejects objects applied in the same run).
const FIRST = [
  "CustomResourceDefinition",
  "Namespace",
  "ClusterClass",
  "RuntimeClass",
  "PriorityClass",
  "StorageClass",
  "VolumeSnapshotClass",
  "IngressClass",
  "GatewayClass",
  "ResourceQuota",
  "ServiceAccount",
  "Role",
  "ClusterRole",
  "RoleBinding",
  "ClusterRoleBinding",
  "ConfigMap",
  "Secret",
  "Service",
  "LimitRange",
  "Deployment",
  "StatefulSet",
  "CronJob",
  "PodDisruptionBudget",
];
const LAST = ["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"];

function rank(kind: string): number {
  const first = FIRST.indexOf(kind);
  if (first >= 0) return first - FIRST.length;
  const last = LAST.indexOf(kind);
  return last >= 0 ? last + 1 : 0;
}

interface Sortable {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace?: string | undefined;
  readonly name: string;
}

/** Orders by kind rank, then group, kind, namespace and name: the same order whatever the input order. */
export function compareForApply(a: Sortable, b: Sortable): number {
  return (
    rank(a.kind) - rank(b.kind) ||
    cmp(apiGroup(a.apiVersion), apiGroup(b.apiVersion)) ||
    cmp(a.kind, b.kind) ||
    cmp(a.namespace ?? "", b.namespace ?? "") ||
    cmp(a.name, b.name)
  );
}

export function sortForApply<T extends KubeObject>(objects: readonly T[]): T[] {
  const key = (o: KubeObject): Sortable => ({
    apiVersion: o.apiVersion,
    kind: o.kind,
    namespace: o.metadata.namespace,
    name: o.metadata.name,
  });
  return [...objects].sort((a, b) => compareForApply(key(a), key(b)));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** CRDs, Namespaces and ClusterRoles: applied (and CRDs established) before everything else. */
export function isClusterDefinition(object: Pick<KubeObject, "apiVersion" | "kind">): boolean {
  return (
    isCrd(object) ||
    (object.kind === "Namespace" && object.apiVersion === "v1") ||
    (object.kind === "ClusterRole" && object.apiVersion.startsWith("rbac.authorization.k8s.io/"))
  );
}

export function isCrd(object: Pick<KubeObject, "apiVersion" | "kind">): boolean {
  return object.kind === "CustomResourceDefinition" && object.apiVersion.startsWith("apiextensions.k8s.io/");
}
