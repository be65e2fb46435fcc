import { isDeepStrictEqual } from "node:util";
import { parseDuration } from "../api/duration.ts";
import { SpecError } from "../api/errors.ts";
import {
  type Clock,
  type EventSink,
  formatKey,
  isPortError,
  type Lease,
  type ReconcileEvent,
  type StateStore,
  type StoredObject,
} from "../ports/index.ts";
import { type Logger, silentLogger } from "./logger.ts";
import { ReconcileError, type ReconcileResult } from "./reconciler.ts";
import type { ReconcilerRegistry } from "./registry.ts";
import { nextRunAt } from "./schedule.ts";
import { FAILED, nextStatus, type RunOutcome, readyChanged, SUCCEEDED } from "./status.ts";
import type { WorkRequest } from "./work-request.ts";

export interface ReconcileDeps {
  readonly state: StateStore;
  readonly events: EventSink;
  readonly registry: ReconcilerRegistry;
  readonly clock: Clock;
  readonly random?: () => number;
  readonly logger?: Logger;
  /** How long a worker may hold an object; must outlast the longest run. Default 15 min. */
  readonly leaseTtlMs?: number;
  /** Run timeout when the object has no `spec.timeout`. Default 5 min. */
  readonly defaultTimeoutMs?: number;
}

export type RunResult =
  | { readonly outcome: "reconciled"; readonly ready: boolean; readonly statusWritten: boolean }
  /** Another worker holds the lease: try again a little later. */
  | { readonly outcome: "busy" }
  | { readonly outcome: "gone" }
  | { readonly outcome: "suspended" }
  /** A scheduled request for an object another run already handled. */
  | { readonly outcome: "not-due" }
  /** Our lease expired and another worker took over and wrote first; its result stands. */
  | { readonly outcome: "conflict" };

const DEFAULT_LEASE_TTL_MS = 15 * 60_000;
const DEFAULT_TIMEOUT_MS = 5 * 60_000;
/** How long an aborted reconciler may take to report its own, more precise, timeout error. */
const ABORT_GRACE_MS = 1_000;

function describe(error: unknown): RunOutcome & { ok: false } {
  if (error instanceof ReconcileError) {
    return {
      ok: false,
      reason: error.reason,
      message: error.message,
      stalled: error.stalled,
      ...(error.status ? { status: error.status } : {}),
    };
  }
  if (error instanceof SpecError)
    return { ok: false, reason: error.reason, message: error.message, stalled: true };
  const message = error instanceof Error ? error.message : String(error);
  return { ok: false, reason: FAILED, message, stalled: false };
}

async function runWithTimeout(
  object: StoredObject,
  deps: ReconcileDeps,
  now: number,
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
    const timeout =
      typeof object.spec.timeout === "string"
        ? parseDuration(object.spec.timeout, "spec.timeout")
        : undefined;
    const timeoutMs = timeout ?? reconciler.defaultTimeoutMs ?? deps.defaultTimeoutMs ?? DEFAULT_TIMEOUT_MS;
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
      reconciler.reconcile({ object, now, signal: controller.signal }),
      timedOut,
    ]).finally(() => clearTimeout(timer));
    return { outcome: { ok: true, result }, result };
  } catch (error) {
    return { outcome: describe(error) };
  }
}

function eventsFor(
  object: StoredObject,
  outcome: RunOutcome,
  changed: boolean,
  result: ReconcileResult | undefined,
  now: number,
): ReconcileEvent[] {
  const base = { key: object.key, timestamp: now };
  const own = (result?.events ?? []).map((e) => ({ ...base, ...e }));
  if (!changed) return own;
  if (!outcome.ok)
    return [...own, { ...base, type: "Warning", reason: outcome.reason, message: outcome.message }];
  // A success after a failure (or a first success) is news; a steady success is not.
  return own.length > 0
    ? own
    : [{ ...base, type: "Normal", reason: SUCCEEDED, message: outcome.result.message }];
}

async function settle(
  object: StoredObject,
  request: WorkRequest,
  deps: ReconcileDeps,
  now: number,
): Promise<RunResult> {
  const { outcome, result } = await runWithTimeout(object, deps, now);
  const status = nextStatus({
    previous: object.status,
    generation: object.generation,
    outcome,
    now: deps.clock.now(),
    ...(request.requestedAt ? { requestedAt: request.requestedAt } : {}),
  });
  // Nothing changed means nothing is written: a steady object costs no status writes.
  const statusWritten = !isDeepStrictEqual(status, object.status);
  if (statusWritten) {
    try {
      await deps.state.writeStatus(object.key, status, object.statusVersion);
    } catch (error) {
      if (isPortError(error, "Conflict")) return { outcome: "conflict" };
      if (isPortError(error, "NotFound")) return { outcome: "gone" };
      throw error;
    }
  }
  const events = eventsFor(object, outcome, readyChanged(object.status, status), result, now);
  if (events.length > 0) await deps.events.publish(events);

  let dueAt: number;
  try {
    dueAt = nextRunAt({
      spec: object.spec,
      now: deps.clock.now(),
      failed: !outcome.ok,
      random: deps.random ?? Math.random,
      ...(result?.requeueAfterMs !== undefined ? { requeueAfterMs: result.requeueAfterMs } : {}),
    });
  } catch {
    // A bad interval is already reported as Stalled; keep a slow default beat so a fix is seen.
    dueAt = nextRunAt({ spec: {}, now: deps.clock.now(), failed: true, random: deps.random ?? Math.random });
  }
  try {
    await deps.state.setDueAt(object.key, dueAt);
  } catch (error) {
    // Deleted while it ran: nothing left to schedule.
    if (isPortError(error, "NotFound")) return { outcome: "gone" };
    throw error;
  }
  return { outcome: "reconciled", ready: outcome.ok, statusWritten };
}

function isDue(object: StoredObject | undefined, now: number): boolean {
  return object?.dueAt !== undefined && object.dueAt <= now;
}

/**
 * One run of the reconcile loop for one object: lease, load, reconcile, status, events,
 * schedule, release. A reconciler's failure becomes status and an event, never an exception;
 * only the ports' own failures (the store unreachable, say) escape, for the queue to retry.
 */
export async function reconcileObject(
  request: WorkRequest,
  holder: string,
  deps: ReconcileDeps,
): Promise<RunResult> {
  const log = deps.logger ?? silentLogger;
  const now = deps.clock.now();
  // A scheduled request that another run already handled is dropped with one read, no writes.
  if (request.reason === "due" && !isDue(await deps.state.getObject(request.key), now))
    return { outcome: "not-due" };
  let lease: Lease | undefined;
  try {
    lease = await deps.state.acquireLease({
      key: request.key,
      holder,
      now,
      ttlMs: deps.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS,
    });
  } catch (error) {
    if (isPortError(error, "NotFound")) return { outcome: "gone" };
    throw error;
  }
  if (!lease) return { outcome: "busy" };
  try {
    const object = await deps.state.getObject(request.key);
    if (!object) return { outcome: "gone" };
    if (object.spec.suspend === true) {
      await deps.state.setDueAt(object.key, undefined);
      return { outcome: "suspended" };
    }
    if (request.reason === "due" && !isDue(object, now)) return { outcome: "not-due" };
    const result = await settle(object, request, deps, now);
    log.info("reconciled", { object: formatKey(object.key), reason: request.reason, ...result });
    return result;
  } finally {
    await deps.state.releaseLease(lease);
  }
}
