import { parseDuration } from "../api/duration.ts";
import { SpecError } from "../api/errors.ts";
import type { StoredObject } from "../ports/index.ts";
import { ReconcileError, type ReconcileInput, type ReconcileResult, type Reconciler } from "./reconciler.ts";
import type { ReconcilerRegistry } from "./registry.ts";
import { FAILED, type RunOutcome } from "./status.ts";

const DEFAULT_TIMEOUT_MS = 5 * 60_000;
/** How long an aborted reconciler may take to report its own, more precise, timeout error. */
const ABORT_GRACE_MS = 1_000;

/** What a run does with the kind's reconciler: reconcile, or finalize before deletion. */
export type RunAction = (reconciler: Reconciler, input: ReconcileInput) => Promise<ReconcileResult>;

export const reconcileAction: RunAction = (reconciler, input) => reconciler.reconcile(input);

export interface TimedRunDeps {
  readonly registry: ReconcilerRegistry;
  /** Run timeout when neither the object nor its kind sets one. Default 5 min. */
  readonly defaultTimeoutMs?: number;
  /**
   * How long this process may still run (on Lambda, the invocation's time left less a margin to
   * write status): no run is given more, so it ends with its own timeout error instead of being
   * killed mid-write.
   */
  readonly remainingMs?: () => number;
}

/** The run's budget: spec.timeout, else the kind's, else the default; never more than is left. */
export function runTimeoutMs(object: StoredObject, reconciler: Reconciler, deps: TimedRunDeps): number {
  const own =
    typeof object.spec.timeout === "string" ? parseDuration(object.spec.timeout, "spec.timeout") : undefined;
  const kind =
    typeof reconciler.defaultTimeoutMs === "function"
      ? reconciler.defaultTimeoutMs(object)
      : reconciler.defaultTimeoutMs;
  const wanted = own ?? kind ?? deps.defaultTimeoutMs ?? DEFAULT_TIMEOUT_MS;
  // Even a nearly spent budget gets a second: enough to fail with a clear message.
  return deps.remainingMs ? Math.min(wanted, Math.max(1_000, deps.remainingMs())) : wanted;
}

function describe(error: unknown): RunOutcome & { ok: false } {
  if (error instanceof ReconcileError) {
    return {
      ok: false,
      reason: error.reason,
      message: error.message,
      stalled: error.stalled,
      ...(error.status ? { status: error.status } : {}),
      ...(error.events ? { events: error.events } : {}),
      ...(error.eventType === "Normal" ? { eventType: error.eventType } : {}),
    };
  }
  if (error instanceof SpecError)
    return { ok: false, reason: error.reason, message: error.message, stalled: true };
  const message = error instanceof Error ? error.message : String(error);
  return { ok: false, reason: FAILED, message, stalled: false };
}

/**
 * Runs `action` under the object's timeout (spec.timeout, else the kind's, else the default)
 * and turns every failure into an outcome: a reconciler never throws past this point.
 */
export async function runWithTimeout(
  object: StoredObject,
  deps: TimedRunDeps,
  now: number,
  action: RunAction = reconcileAction,
): Promise<{ outcome: RunOutcome; result?: ReconcileResult }> {
  const reconciler = deps.registry.get(object.key.kind);
  if (!reconciler) {
    return {
      outcome: {
        ok: false,
        reason: "UnsupportedKind",
        message: `sluice has no reconciler for ${object.key.kind}`,
        stalled: true,
      },
    };
  }
  try {
    const timeoutMs = runTimeoutMs(object, reconciler, deps);
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new ReconcileError(
          FAILED,
          `reconciliation timed out after ${Math.round(timeoutMs / 1000)}s`,
        );
        controller.abort(error);
        // A reconciler that honours the signal says what it was doing (which server, which step);
        // give it a moment to, and report the bare timeout only if it does not answer.
        timer = setTimeout(() => reject(error), ABORT_GRACE_MS);
      }, timeoutMs);
    });
    const result = await Promise.race([
      action(reconciler, { object, now, signal: controller.signal, deadline: Date.now() + timeoutMs }),
      timedOut,
    ]).finally(() => clearTimeout(timer));
    return { outcome: { ok: true, result }, result };
  } catch (error) {
    return { outcome: describe(error) };
  }
}
