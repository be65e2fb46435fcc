import { type Clock, formatKey, type StateStore, type WorkQueue } from "../ports/index.ts";
import { encodeWorkRequest } from "./work-request.ts";

export interface SchedulerDeps {
  readonly state: StateStore;
  readonly queue: WorkQueue;
  readonly clock: Clock;
  /** Most objects enqueued per tick; the rest wait for the next one. Default 10,000. */
  readonly limit?: number;
}

/** De-duplication bucket: one scheduled request per object per tick (a minute). */
const TICK_MS = 60_000;

/**
 * One scheduler tick: find every object whose time has come and put it on the queue.
 * Work is proportional to what is due, not to what exists (the due index does the finding).
 * If a tick's requests are still waiting when the next tick comes, the object is enqueued
 * again under a new id; the worker drops requests for objects no longer due with one read.
 */
export async function enqueueDue(deps: SchedulerDeps): Promise<number> {
  const now = deps.clock.now();
  const keys = await deps.state.listDue(now, deps.limit ?? 10_000);
  const tick = Math.floor(now / TICK_MS);
  await deps.queue.send(
    keys.map((key) => ({
      groupId: formatKey(key),
      dedupId: `due:${formatKey(key)}:${tick}`,
      body: encodeWorkRequest({ key, reason: "due" }),
    })),
  );
  return keys.length;
}
