import type { ObjectView } from "../api-client.ts";

interface ConditionView {
  readonly type: string;
  readonly status: string;
  readonly reason?: string;
  readonly message?: string;
  readonly observedGeneration?: number;
}

export function conditionsOf(view: Pick<ObjectView, "status">): ConditionView[] {
  const list = view.status.conditions;
  return Array.isArray(list) ? (list as ConditionView[]) : [];
}

export function readyCondition(view: Pick<ObjectView, "status">): ConditionView | undefined {
  return conditionsOf(view).find((c) => c.type === "Ready");
}

/** The revision an object stands at: a source's artifact, a Kustomization's last applied one. */
export function revisionOf(view: Pick<ObjectView, "status">): string {
  const artifact = view.status.artifact as { revision?: unknown } | undefined;
  if (typeof artifact?.revision === "string") return artifact.revision;
  const applied = view.status.lastAppliedRevision;
  if (typeof applied === "string") return applied;
  const attempted = view.status.lastAttemptedRevision;
  return typeof attempted === "string" ? attempted : "";
}

/** What `get` shows of an object: Flux's columns. */
export interface StatusSummary {
  readonly revision: string;
  readonly suspended: boolean;
  /** "True", "False" or "Unknown" (not run yet). */
  readonly ready: string;
  readonly message: string;
}

export function summarize(view: ObjectView): StatusSummary {
  const ready = readyCondition(view);
  return {
    revision: revisionOf(view),
    suspended: view.suspended,
    ready: ready?.status ?? "Unknown",
    message: ready?.message ?? "not reconciled yet",
  };
}
