import { formatKey, type QueueMessage, type WorkQueue } from "../ports/index.ts";
import { type ReconcileDeps, type RunResult, reconcileObject } from "./reconcile-object.ts";
import { decodeWorkRequest, InvalidWorkRequest } from "./work-request.ts";

export interface WorkerDeps extends ReconcileDeps {
  readonly queue: WorkQueue;
  /** Identifies this worker in leases: unique per process or Lambda invocation. */
  readonly holder: string;
  /** Groups (objects) reconciled at the same time. Default 4. */
  readonly concurrency?: number;
  /** Backoff for retries after a port failure: base doubles per attempt up to max. */
  readonly backoff?: { readonly baseMs: number; readonly maxMs: number };
  /** Delay before trying an object whose lease another worker holds. Default 5 s. */
  readonly busyRetryMs?: number;
}

export type MessageOutcome = RunResult["outcome"] | "dead-lettered" | "retrying";

export interface BatchReport {
  /** Messages left on the queue for a later delivery; a Lambda reports these as batch item failures. */
  readonly retried: readonly QueueMessage[];
  readonly outcomes: ReadonlyMap<string, MessageOutcome>;
}

export function backoffMs(
  attempts: number,
  backoff: { baseMs: number; maxMs: number },
  random: () => number,
): number {
  const exponential = Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.max(0, attempts - 1));
  // Full jitter keeps a burst of failures from retrying in lockstep.
  return Math.round(exponential / 2 + (random() * exponential) / 2);
}

async function handle(message: QueueMessage, deps: WorkerDeps): Promise<MessageOutcome> {
  let request: ReturnType<typeof decodeWorkRequest>;
  try {
    request = decodeWorkRequest(message.body);
  } catch (error) {
    if (!(error instanceof InvalidWorkRequest)) throw error;
    deps.logger?.error("dead-lettering a corrupt work message", {
      messageId: message.id,
      reason: error.message,
    });
    await deps.queue.deadLetter(message, `corrupt work message: ${error.message}`);
    return "dead-lettered";
  }
  const random = deps.random ?? Math.random;
  try {
    const result = await reconcileObject(request, deps.holder, deps);
    if (result.outcome === "busy") {
      await deps.queue.retry(message, deps.busyRetryMs ?? 5_000);
      return "retrying";
    }
    await deps.queue.ack(message);
    return result.outcome;
  } catch (error) {
    // The ports failed (store unreachable, throttled): the object is untouched, try again later.
    deps.logger?.warn("reconcile attempt failed; retrying", {
      object: formatKey(request.key),
      attempts: message.attempts,
      error: error instanceof Error ? error.message : String(error),
    });
    await deps.queue.retry(
      message,
      backoffMs(message.attempts, deps.backoff ?? { baseMs: 1_000, maxMs: 300_000 }, random),
    );
    return "retrying";
  }
}

/**
 * Processes one batch of work messages. Messages of one group run in order, one at a time,
 * and once one of them is retried the rest of that group is retried too, so order survives;
 * different groups run in parallel. One message's failure never affects another group's.
 */
export async function processBatch(
  messages: readonly QueueMessage[],
  deps: WorkerDeps,
): Promise<BatchReport> {
  const groups = new Map<string, QueueMessage[]>();
  for (const message of messages)
    groups.set(message.groupId, [...(groups.get(message.groupId) ?? []), message]);
  const outcomes = new Map<string, MessageOutcome>();
  const retried: QueueMessage[] = [];

  const runGroup = async (group: QueueMessage[]) => {
    for (const [index, message] of group.entries()) {
      let outcome: MessageOutcome;
      try {
        outcome = await handle(message, deps);
      } catch (error) {
        // Even the retry call failed; the queue redelivers after the visibility timeout.
        deps.logger?.error("could not settle a work message", {
          messageId: message.id,
          error: String(error),
        });
        outcome = "retrying";
      }
      outcomes.set(message.id, outcome);
      if (outcome === "retrying") {
        const rest = group.slice(index);
        retried.push(...rest);
        for (const later of rest.slice(1)) outcomes.set(later.id, "retrying");
        return;
      }
    }
  };

  const pending = [...groups.values()];
  const lanes = Array.from({ length: Math.min(deps.concurrency ?? 4, pending.length) }, async () => {
    for (let group = pending.shift(); group; group = pending.shift()) await runGroup(group);
  });
  await Promise.all(lanes);
  return { retried, outcomes };
}
