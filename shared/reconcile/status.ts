import {
  type Condition,
  findCondition,
  READY,
  RECONCILING,
  removeCondition,
  STALLED,
  setCondition,
} from "../api/conditions.ts";
import type { ReconcileResult } from "./reconciler.ts";

/** How a run ended, from the loop's point of view. */
export type RunOutcome =
  | { readonly ok: true; readonly result: ReconcileResult }
  | {
      readonly ok: false;
      readonly reason: string;
      readonly message: string;
      readonly stalled: boolean;
      /** Fields a failed run still records; everything else of the previous status is kept. */
      readonly status?: Readonly<Record<string, unknown>>;
      /** What the run changed before it failed. */
      readonly events?: ReconcileResult["events"];
      /** The failure event's type: Normal for an expected wait. @default "Warning" */
      readonly eventType?: "Normal" | "Warning";
    };

export interface NextStatusInput {
  readonly previous: Readonly<Record<string, unknown>> | undefined;
  readonly generation: number;
  readonly outcome: RunOutcome;
  readonly now: number;
  readonly requestedAt?: string;
}

export const SUCCEEDED = "ReconciliationSucceeded";
export const FAILED = "ReconciliationFailed";
/** Flux's reason for Reconciling=True while a failed run waits for its retry. */
export const PROGRESSING_WITH_RETRY = "ProgressingWithRetry";

export function conditionsOf(status: Readonly<Record<string, unknown>> | undefined): Condition[] {
  return Array.isArray(status?.conditions) ? (status.conditions as Condition[]) : [];
}

/**
 * The status after a run, in Flux's vocabulary: Ready says how it went, Stalled that only a
 * change to the object can help, Reconciling that a retry is coming. observedGeneration moves
 * only when the generation was really handled (success or a definitive stall), as in Flux.
 */
export function nextStatus(input: NextStatusInput): Record<string, unknown> {
  const { outcome, now, generation } = input;
  let conditions = conditionsOf(input.previous);
  let status: Record<string, unknown> = { ...input.previous };
  if (outcome.ok) {
    const { result } = outcome;
    status = { ...status, ...result.status };
    conditions = setCondition(
      conditions,
      {
        type: READY,
        status: "True",
        reason: result.reason ?? SUCCEEDED,
        message: result.message,
        observedGeneration: generation,
      },
      now,
    );
    for (const extra of result.conditions ?? []) conditions = setCondition(conditions, extra, now);
    conditions = removeCondition(removeCondition(conditions, RECONCILING), STALLED);
    status.observedGeneration = generation;
  } else {
    status = { ...status, ...outcome.status };
    const failure = { reason: outcome.reason, message: outcome.message, observedGeneration: generation };
    conditions = setCondition(conditions, { type: READY, status: "False", ...failure }, now);
    if (outcome.stalled) {
      conditions = removeCondition(
        setCondition(conditions, { type: STALLED, status: "True", ...failure }, now),
        RECONCILING,
      );
      status.observedGeneration = generation;
    } else {
      conditions = setCondition(
        removeCondition(conditions, STALLED),
        {
          type: RECONCILING,
          status: "True",
          reason: PROGRESSING_WITH_RETRY,
          message: outcome.message,
          observedGeneration: generation,
        },
        now,
      );
    }
  }
  // Ready first, as kubectl and Flux's CLI show it.
  status.conditions = [...conditions].sort((a, b) => Number(b.type === READY) - Number(a.type === READY));
  if (input.requestedAt) status.lastHandledReconcileAt = input.requestedAt;
  return status;
}

/** True when Ready's status or message changed: the moments worth an event. */
export function readyChanged(
  before: Readonly<Record<string, unknown>> | undefined,
  after: Record<string, unknown>,
): boolean {
  const a = findCondition(conditionsOf(before), READY);
  const b = findCondition(conditionsOf(after), READY);
  return a?.status !== b?.status || a?.message !== b?.message || a?.reason !== b?.reason;
}
