import { KubeApiError } from "../apply/kube-errors.ts";
/**
 * Why a command failed. `Usage` is the caller's mistake (a wrong flag or argument) and exits 2;
 * everything else exits 1.
 */
export type CliErrorReason =
  | "Usage"
  | "NotFound"
  | "Unreachable"
  | "Credentials"
  | "Invalid"
  | "Conflict"
  | "Unsupported"
  | "ApiFailed"
  | "Timeout"
  | "Failed";

export interface CliErrorOptions {
  /** What to do about it, printed on a second line. */
  readonly hint?: string;
  readonly cause?: unknown;
}

/** A failure to report in one line (and an optional hint), never with a stack trace. */
export class CliError extends Error {
  readonly reason: CliErrorReason;
  readonly hint: string | undefined;

  constructor(reason: CliErrorReason, message: string, options: CliErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "CliError";
    this.reason = reason;
    this.hint = options.hint;
  }

  get exitCode(): number {
    return this.reason === "Usage" ? EXIT.usage : EXIT.failed;
  }
}

/** Exit codes scripts can rely on. */
export const EXIT = { ok: 0, failed: 1, differs: 1, usage: 2 } as const;

export function usageError(message: string, hint?: string): CliError {
  return new CliError("Usage", message, hint ? { hint } : {});
}

/** An API server failure as the CLI reports it: one line and where to look. */
export function clusterError(error: unknown): unknown {
  if (!(error instanceof KubeApiError)) return error;
  return new CliError("Unreachable", error.message, {
    hint: "check --kubeconfig / KUBECONFIG",
    cause: error,
  });
}
