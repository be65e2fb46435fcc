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
import { SUCCEEDED } from "./status.ts";
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

/** The Kustomizations an object waits for (`spec.dependsOn`, Flux's shape: name and optional namespace). */
export function dependenciesOf(object: StoredObject): ObjectKey[] {
  const list = (object.spec as { dependsOn?: Ref[] }).dependsOn;
  if (!Array.isArray(list)) return [];
  return list.map((d) => refKey(object, d, object.key.kind)).filter((r): r is ObjectKey => r !== undefined);
}

/** Which of an object's references an event's object must match to wake it. */
function wakesOn(event: ReconcileEvent): ((object: StoredObject) => ObjectKey[]) | undefined {
  if (event.reason === ARTIFACT_UPDATED) return sourcesOf;
  // A dependency that just succeeded lets the objects waiting on it go at once.
  if (event.reason === SUCCEEDED && event.type === "Normal") return dependenciesOf;
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
 * revision: redelivered events add nothing. Finding them lists the objects, which is paid per
 * news, never on a quiet poll.
 */
export function wakeDependents(options: WakeDependentsOptions): EventSink {
  return {
    async publish(events: readonly ReconcileEvent[]): Promise<void> {
      await options.sink.publish(events);
      const triggers = events.flatMap((event) => {
        const refs = wakesOn(event);
        return refs ? [{ event, refs }] : [];
      });
      if (triggers.length === 0) return;
      const objects = await options.state.listObjects();
      const messages = triggers.flatMap(({ event, refs }) =>
        objects
          .filter((o) => o.spec.suspend !== true && refs(o).some((ref) => sameKey(ref, event.key)))
          .map((o) => ({
            groupId: formatKey(o.key),
            dedupId: `${event.reason}:${formatKey(o.key)}:${formatKey(event.key)}:${event.revision ?? event.timestamp}`,
            body: encodeWorkRequest({ key: o.key, reason: refs === sourcesOf ? "artifact" : "dependency" }),
          })),
      );
      if (messages.length > 0) await options.queue.send(messages);
    },
  };
}
