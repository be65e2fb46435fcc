import type { ObjectKey } from "./object-key.ts";

/** One reconciliation event, shaped like a Kubernetes event as Flux's controllers emit them. */
export interface ReconcileEvent {
  readonly key: ObjectKey;
  /** Flux: Normal for info, Warning for errors. */
  readonly type: "Normal" | "Warning";
  /** Stable CamelCase reason, e.g. ReconciliationSucceeded, ArtifactFailed. */
  readonly reason: string;
  /** For people; never contains secrets. */
  readonly message: string;
  /** Epoch ms. */
  readonly timestamp: number;
  /** The source revision involved, if any (`main@sha1:…`). */
  readonly revision?: string;
  /** Extra key/values alerts may match or show (e.g. `token` for a commit status). */
  readonly metadata?: Readonly<Record<string, string>>;
}

/** Where events go: dependents and alerts are woken from here (EventBridge on AWS). */
export interface EventSink {
  publish(events: readonly ReconcileEvent[]): Promise<void>;
}

export interface EventQuery {
  readonly key?: ObjectKey;
  /** Only events at or after this time (epoch ms). */
  readonly since?: number;
  readonly limit?: number;
}

/** Recent events, newest last, for `sluice events`. */
export interface EventLog {
  list(query: EventQuery): Promise<ReconcileEvent[]>;
}
