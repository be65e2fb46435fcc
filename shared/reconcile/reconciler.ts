import type { ConditionInput } from "../api/conditions.ts";
import type { ReconcileEvent, StoredObject } from "../ports/index.ts";

export interface ReconcileInput {
  readonly object: StoredObject;
  /** Epoch ms at the start of this run. */
  readonly now: number;
  /** Aborted when the run's timeout passes; long operations must give up when it fires. */
  readonly signal: AbortSignal;
  /** Epoch ms when `signal` fires: waits that want to report their own failure end before it. */
  readonly deadline?: number;
}

export interface ReconcileResult {
  /** Ready=True reason and message, e.g. "stored artifact for revision main@sha1:…". */
  readonly message: string;
  readonly reason?: string;
  /** Kind-specific status fields (artifact, inventory, lastAppliedRevision, …), merged into status. */
  readonly status?: Readonly<Record<string, unknown>>;
  /** Extra conditions the kind maintains (ArtifactInStorage, Healthy, …). */
  readonly conditions?: readonly ConditionInput[];
  /** Events beyond the loop's own: what was applied, pruned, fetched. */
  readonly events?: readonly Pick<ReconcileEvent, "type" | "reason" | "message" | "revision" | "metadata">[];
  /** Run again sooner than the interval (waiting on a dependency, say). */
  readonly requeueAfterMs?: number;
}

/** One kind's logic: make the world match `object.spec`, report what happened. */
export interface Reconciler {
  readonly kind: string;
  /**
   * The run timeout when the object sets no `spec.timeout`: fixed (Flux's sources use 60 s) or
   * derived from the object (a Kustomization's is its interval).
   */
  readonly defaultTimeoutMs?: number | ((object: StoredObject) => number | undefined);
  reconcile(input: ReconcileInput): Promise<ReconcileResult>;
  /**
   * Cleans up what the object owns before it is removed (Flux's finalizers): called instead of
   * `reconcile` once deletion is requested, retried on failure, the object removed after it
   * succeeds. Absent: nothing to clean up.
   */
  finalize?(input: ReconcileInput): Promise<void>;
}

/**
 * A failure the reconciler understands. `reason` becomes the Ready=False reason and the event
 * reason; `stalled` says retrying cannot help until the object changes (a bad spec), which Flux
 * shows as Stalled=True.
 */
export class ReconcileError extends Error {
  readonly reason: string;
  readonly stalled: boolean;
  /** Status fields a failed run still records (Flux's lastAttemptedRevision, say); the rest is kept. */
  readonly status: Readonly<Record<string, unknown>> | undefined;
  /** What the run did change before it failed, reported beside the failure. */
  readonly events: ReconcileResult["events"];
  /**
   * Normal for an expected wait (a dependency or source not ready yet), which Flux reports as
   * information, not as an error that alerts should page on. @default "Warning"
   */
  readonly eventType: "Normal" | "Warning";

  constructor(
    reason: string,
    message: string,
    options: {
      stalled?: boolean;
      cause?: unknown;
      status?: Readonly<Record<string, unknown>>;
      events?: ReconcileResult["events"];
      eventType?: "Normal" | "Warning";
    } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = "ReconcileError";
    this.reason = reason;
    this.stalled = options.stalled ?? false;
    this.status = options.status;
    this.events = options.events;
    this.eventType = options.eventType ?? "Warning";
  }
}
