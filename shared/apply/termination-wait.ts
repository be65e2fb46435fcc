import { setTimeout as sleep } from "node:timers/promises";
import { ReconcileError } from "../reconcile/reconciler.ts";
import type { ClusterClient } from "./cluster-client.ts";
import { mapLimit } from "./map-limit.ts";
import { type ObjectRef, refSubject } from "./object-ref.ts";

export interface TerminationWaitOptions {
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
  /** Between reads of the objects still there. @default 2 s */
  readonly intervalMs?: number;
}

/** Flux's reason when deleted objects outlive the wait (a finalizer holding them, say). */
export const TERMINATION_FAILED = "TerminationFailed";

/**
 * Waits until every deleted object is really gone, as deletionPolicy WaitForTermination asks:
 * an object with finalizers lingers, Terminating, until its controllers let go. Gives up with
 * the objects still present named, so the deletion is retried rather than reported done.
 */
export async function waitForTermination(
  client: ClusterClient,
  refs: readonly ObjectRef[],
  options: TerminationWaitOptions,
): Promise<void> {
  const { signal, intervalMs = 2_000 } = options;
  const deadline = performance.now() + options.timeoutMs;
  let remaining = [...refs];
  for (;;) {
    const present = await mapLimit(remaining, client.concurrency, async (ref) =>
      (await client.get(ref, { signal })) ? ref : undefined,
    );
    remaining = present.filter((ref): ref is ObjectRef => ref !== undefined);
    if (remaining.length === 0) return;
    const left = deadline - performance.now();
    if (left <= 0)
      throw new ReconcileError(
        TERMINATION_FAILED,
        `still terminating after ${Math.round(options.timeoutMs / 1000)}s: ${remaining.map(refSubject).join(", ")}`,
      );
    await sleep(Math.min(intervalMs, left), undefined, { signal });
  }
}
