import { isDeepStrictEqual } from "node:util";
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
import { deletionRequested, finalizeAction } from "./deletion.ts";
import { type Logger, silentLogger } from "./logger.ts";
import type { ReconcileResult } from "./reconciler.ts";
import { type RunAction, reconcileAction, runWithTimeout, type TimedRunDeps } from "./run-with-timeout.ts";
import { nextRunAt } from "./schedule.ts";
import { nextStatus, type RunOutcome, readyChanged, SUCCEEDED } from "./status.ts";
import type { WorkRequest } from "./work-request.ts";

export interface ReconcileDeps extends TimedRunDeps {
  readonly state: StateStore;
  readonly events: EventSink;
  readonly clock: Clock;
  readonly random?: () => number;
  readonly logger?: Logger;
  /** How long a worker may hold an object; must outlast the longest run. Default 15 min. */
  readonly leaseTtlMs?: number;
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
  | { readonly outcome: "conflict" }
  /** Deletion was requested and cleanup finished: the object is gone. */
  | { readonly outcome: "deleted" };

const DEFAULT_LEASE_TTL_MS = 15 * 60_000;
/** Time kept between a run's end and its lease's expiry, to write status and release. */
const LEASE_MARGIN_MS = 30_000;
function eventsFor(
  object: StoredObject,
  outcome: RunOutcome,
  changed: boolean,
  result: ReconcileResult | undefined,
  now: number,
): ReconcileEvent[] {
  const base = { key: object.key, timestamp: now };
  const own = ((outcome.ok ? result?.events : outcome.events) ?? []).map((e) => ({ ...base, ...e }));
  if (!changed) return own;
  if (!outcome.ok)
    return [
      ...own,
      { ...base, type: outcome.eventType ?? "Warning", reason: outcome.reason, message: outcome.message },
    ];
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
  action: RunAction = reconcileAction,
): Promise<RunResult> {
  const { outcome, result } = await runWithTimeout(object, deps, now, action);
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

/**
 * A deletion: the kind cleans up (what a suspended object applied is left as it is, as in
 * Flux), then the object goes. A failed cleanup is status and an event like any failed run, and is retried.
 */
async function finalizeAndDelete(
  object: StoredObject,
  request: WorkRequest,
  deps: ReconcileDeps,
  now: number,
): Promise<RunResult> {
  // Kinds with nothing to clean up, unknown kinds and suspended objects go at once.
  if (object.spec.suspend !== true && deps.registry.get(object.key.kind)?.finalize) {
    const result = await settle(object, request, deps, now, finalizeAction);
    if (result.outcome !== "reconciled" || !result.ready) return result;
  }
  await deps.state.deleteObject(object.key);
  await deps.events.publish([
    { key: object.key, type: "Normal", reason: "Deleted", message: "removed from sluice", timestamp: now },
  ]);
  return { outcome: "deleted" };
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
  const held = lease;
  // A run may not outlive its lease, or another worker could start on the object meanwhile.
  const runDeps: ReconcileDeps = {
    ...deps,
    remainingMs: () =>
      Math.min(held.expiresAt - LEASE_MARGIN_MS - deps.clock.now(), deps.remainingMs?.() ?? Infinity),
  };
  try {
    const object = await deps.state.getObject(request.key);
    if (!object) return { outcome: "gone" };
    if (deletionRequested(object)) {
      const result = await finalizeAndDelete(object, request, runDeps, now);
      log.info("finalized", { object: formatKey(object.key), ...result });
      return result;
    }
    if (object.spec.suspend === true) {
      await deps.state.setDueAt(object.key, undefined);
      return { outcome: "suspended" };
    }
    if (request.reason === "due" && !isDue(object, now)) return { outcome: "not-due" };
    const result = await settle(object, request, runDeps, now);
    log.info("reconciled", { object: formatKey(object.key), reason: request.reason, ...result });
    return result;
  } finally {
    await deps.state.releaseLease(lease);
  }
}
