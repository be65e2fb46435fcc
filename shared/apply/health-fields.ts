import type { HealthResult, HealthState } from "./health-status.ts";

/** A live object as the API server returns it: untyped JSON. */
export type LiveObject = Readonly<Record<string, unknown>>;

/** One entry of `status.conditions`, with missing fields as empty strings. */
export interface LiveCondition {
  readonly type: string;
  readonly status: string;
  readonly reason: string;
  readonly message: string;
}

export function health(state: HealthState, message: string): HealthResult {
  return { state, message };
}

export function record(value: unknown): Readonly<Record<string, unknown>> {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/** The value at a dotted path, or undefined when any step is missing. */
export function field(object: LiveObject, path: string): unknown {
  let value: unknown = object;
  for (const step of path.split(".")) value = record(value)[step];
  return value;
}

export function intField(object: LiveObject, path: string, fallback: number): number {
  const value = field(object, path);
  return typeof value === "number" && Number.isFinite(value) ? value : fallback;
}

export function stringField(object: LiveObject, path: string): string | undefined {
  const value = field(object, path);
  return typeof value === "string" ? value : undefined;
}

export function conditionsOf(object: LiveObject): readonly LiveCondition[] {
  const list = field(object, "status.conditions");
  if (!Array.isArray(list)) return [];
  return list.map((entry) => {
    const c = record(entry);
    const text = (key: string) => (typeof c[key] === "string" ? (c[key] as string) : "");
    return { type: text("type"), status: text("status"), reason: text("reason"), message: text("message") };
  });
}

export function conditionOf(object: LiveObject, type: string): LiveCondition | undefined {
  return conditionsOf(object).find((c) => c.type === type);
}

export function isTrue(object: LiveObject, type: string): boolean {
  return conditionOf(object, type)?.status === "True";
}

/** `Reason: message`, or whichever half is present: how a condition explains itself. */
export function explain(condition: LiveCondition, fallback: string): string {
  const { reason, message } = condition;
  if (reason && message) return `${reason}: ${message}`;
  return reason || message || fallback;
}

/** "1 of 3 replicas ready": the shape every replica-count message takes. */
export function countOf(have: number, want: number, what: string): string {
  return `${have} of ${want} ${want === 1 ? "replica" : "replicas"} ${what}`;
}
