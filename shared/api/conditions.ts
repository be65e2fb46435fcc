/** A status condition in Kubernetes' shape, as Flux's objects carry them. */
export interface Condition {
  readonly type: string;
  readonly status: "True" | "False" | "Unknown";
  readonly reason: string;
  readonly message: string;
  /** RFC 3339; changes only when `status` changes. */
  readonly lastTransitionTime: string;
  readonly observedGeneration?: number;
}

export const READY = "Ready";
export const RECONCILING = "Reconciling";
export const STALLED = "Stalled";

export type ConditionInput = Omit<Condition, "lastTransitionTime">;

/**
 * Sets one condition, keeping its lastTransitionTime when the status did not change, so a
 * steady state rewrites nothing and `kubectl wait`-style watchers see real transitions only.
 */
export function setCondition(
  conditions: readonly Condition[],
  next: ConditionInput,
  now: number,
): Condition[] {
  const previous = conditions.find((c) => c.type === next.type);
  const lastTransitionTime =
    previous && previous.status === next.status ? previous.lastTransitionTime : new Date(now).toISOString();
  const updated: Condition = { ...next, lastTransitionTime };
  return previous ? conditions.map((c) => (c === previous ? updated : c)) : [...conditions, updated];
}

export function removeCondition(conditions: readonly Condition[], type: string): Condition[] {
  return conditions.filter((c) => c.type !== type);
}

export function findCondition(
  conditions: readonly Condition[] | undefined,
  type: string,
): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}
