import {
  type EventSink,
  formatKey,
  type ObjectKey,
  type ReconcileEvent,
  type StateStore,
  type StoredObject,
  sameKey,
  type WorkQueue,
} from "../ports/index.ts";
import { encodeWorkRequest } from "./work-request.ts";

/** The event a source publishes when it stores a new artifact. */
export const ARTIFACT_UPDATED = "ArtifactUpdated";

type Ref = { kind?: unknown; name?: unknown; namespace?: unknown };

function refKey(referrer: StoredObject, ref: Ref | undefined, kind?: string): ObjectKey | undefined {
  const refKind = kind ?? ref?.kind;
  if (!ref || typeof refKind !== "string" || typeof ref.name !== "string") return undefined;
  const namespace = typeof ref.namespace === "string" ? ref.namespace : referrer.key.namespace;
  return { kind: refKind, namespace, name: ref.name };
}

/**
 * The sources an object reads: `spec.sourceRef` (Kustomization, HelmChart), a HelmRelease's
 * chart template or chartRef, and a GitRepository's includes.
 */
export function sourcesOf(object: StoredObject): ObjectKey[] {
  const spec = object.spec as {
    sourceRef?: Ref;
    chartRef?: Ref;
    chart?: { spec?: { sourceRef?: Ref } };
    include?: { repository?: Ref }[];
  };
  const refs = [
    refKey(object, spec.sourceRef),
    refKey(object, spec.chartRef),
    refKey(object, spec.chart?.spec?.sourceRef),
    ...(Array.isArray(spec.include)
      ? spec.include.map((i) => refKey(object, i?.repository, "GitRepository"))
      : []),
  ];
  return refs.filter((r): r is ObjectKey => r !== undefined);
}

export interface WakeDependentsOptions {
  readonly sink: EventSink;
  readonly state: StateStore;
  readonly queue: WorkQueue;
}

/**
 * An event sink that, after publishing, puts every object reading a source that just stored a
 * new artifact on the queue, so a new commit flows on without waiting for the readers'
 * intervals. One message per reader and revision: redelivered events add nothing.
 * Finding readers lists the objects, which is paid once per new revision, never on a quiet poll.
 */
export function wakeDependents(options: WakeDependentsOptions): EventSink {
  return {
    async publish(events: readonly ReconcileEvent[]): Promise<void> {
      await options.sink.publish(events);
      const updated = events.filter((e) => e.reason === ARTIFACT_UPDATED);
      if (updated.length === 0) return;
      const objects = await options.state.listObjects();
      const messages = updated.flatMap((event) =>
        objects
          .filter((o) => o.spec.suspend !== true && sourcesOf(o).some((ref) => sameKey(ref, event.key)))
          .map((o) => ({
            groupId: formatKey(o.key),
            dedupId: `artifact:${formatKey(o.key)}:${formatKey(event.key)}:${event.revision ?? event.timestamp}`,
            body: encodeWorkRequest({ key: o.key, reason: "artifact" }),
          })),
      );
      if (messages.length > 0) await options.queue.send(messages);
    },
  };
}
