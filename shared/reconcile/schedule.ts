import { parseDuration } from "../api/duration.ts";

/** Flux's default when an object has no interval of its own. */
export const DEFAULT_INTERVAL_MS = 10 * 60_000;

export interface NextRunInput {
  readonly spec: Readonly<Record<string, unknown>>;
  readonly now: number;
  readonly failed: boolean;
  /** A reconciler's own request to come back sooner. */
  readonly requeueAfterMs?: number;
  /** Uniform in [0, 1); injected so tests are deterministic. */
  readonly random: () => number;
  /** Spread as a fraction of the delay, +/-; keeps objects created together from firing together. */
  readonly jitter?: number;
}

function durationField(spec: Readonly<Record<string, unknown>>, field: string): number | undefined {
  const value = spec[field];
  return typeof value === "string" ? parseDuration(value, `spec.${field}`) : undefined;
}

/**
 * When the object runs next: at `interval` after a success, at `retryInterval` (falling back
 * to `interval`) after a failure, or sooner if the reconciler asked; with a little jitter.
 */
export function nextRunAt(input: NextRunInput): number {
  const interval = durationField(input.spec, "interval") ?? DEFAULT_INTERVAL_MS;
  const base = input.failed ? (durationField(input.spec, "retryInterval") ?? interval) : interval;
  const delay = input.requeueAfterMs !== undefined ? Math.min(base, input.requeueAfterMs) : base;
  const spread = input.jitter ?? 0.05;
  return input.now + Math.round(delay * (1 + spread * (2 * input.random() - 1)));
}
