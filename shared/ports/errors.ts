/**
 * Stable reasons for failures at the ports. Callers branch on `reason`, never on message text,
 * and adapters map their SDK's errors onto these in one place each.
 */
export type PortErrorReason =
  /** A conditional write lost: someone else wrote first (optimistic concurrency). */
  | "Conflict"
  /** The thing asked for does not exist. */
  | "NotFound"
  /** Throttling, a timeout, a dropped connection: the same call may succeed later. */
  | "Transient"
  /** The input can never succeed as given (bad digest, malformed reference, …). */
  | "Invalid";

export class PortError extends Error {
  readonly reason: PortErrorReason;

  constructor(reason: PortErrorReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "PortError";
    this.reason = reason;
  }
}

export function isPortError(error: unknown, reason?: PortErrorReason): error is PortError {
  return error instanceof PortError && (reason === undefined || error.reason === reason);
}
