import type { ReferenceRelation } from "../api/references.ts";
import {
  type EventSink,
  formatKey,
  type ReconcileEvent,
  type StateStore,
  type WorkQueue,
} from "../ports/index.ts";
import { SUCCEEDED } from "./status.ts";
import { encodeWorkRequest } from "./work-request.ts";

/** The event a source publishes when it stores a new artifact. */
export const ARTIFACT_UPDATED = "ArtifactUpdated";

/** Which references to the event's object wake their holders, and why the holder runs. */
function wakesOn(
  event: ReconcileEvent,
): { relation: ReferenceRelation; reason: "artifact" | "dependency" } | undefined {
  if (event.reason === ARTIFACT_UPDATED) return { relation: "source", reason: "artifact" };
  // A dependency that just succeeded lets the objects waiting on it go at once.
  if (event.reason === SUCCEEDED && event.type === "Normal")
    return { relation: "dependsOn", reason: "dependency" };
  return undefined;
}

export interface WakeDependentsOptions {
  readonly sink: EventSink;
  readonly state: StateStore;
  readonly queue: WorkQueue;
}

/**
 * An event sink that, after publishing, puts on the queue every object reading a source that
 * just stored a new artifact, and every object whose dependsOn names one that just succeeded,
 * so a commit flows through without waiting for intervals. One message per object and
 * revision: redelivered events add nothing. Finding them is a lookup in the state store's
 * reference index: it costs what it finds, and only on news, never on a quiet poll.
 */
export function wakeDependents(options: WakeDependentsOptions): EventSink {
  return {
    async publish(events: readonly ReconcileEvent[]): Promise<void> {
      await options.sink.publish(events);
      const messages = [];
      for (const event of events) {
        const wake = wakesOn(event);
        if (!wake) continue;
        for (const key of await options.state.listReferrers(event.key, wake.relation)) {
          // A suspended object stays put until resumed, as in Flux; a deleted one may linger in the index.
          const object = await options.state.getObject(key);
          if (!object || object.spec.suspend === true) continue;
          messages.push({
            groupId: formatKey(key),
            dedupId: `${event.reason}:${formatKey(key)}:${formatKey(event.key)}:${event.revision ?? event.timestamp}`,
            body: encodeWorkRequest({ key, reason: wake.reason }),
          });
        }
      }
      if (messages.length > 0) await options.queue.send(messages);
    },
  };
}
