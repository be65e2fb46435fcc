import { setTimeout as sleep } from "node:timers/promises";
import { type KubeConfig, KubernetesObjectApi } from "@kubernetes/client-node";
import { readHealth } from "./health-read.ts";
import type { HealthResult, HealthState } from "./health-status.ts";
import { mapLimit } from "./map-limit.ts";
import { type ObjectRef, refSubject } from "./object-ref.ts";

export type { ObjectRef };

export interface HealthFailure {
  readonly subject: string;
  readonly state: HealthState;
  readonly message: string;
}

export interface HealthReport {
  readonly healthy: boolean;
  readonly failures: readonly HealthFailure[];
}

export interface WaitOptions {
  readonly timeoutMs: number;
  /** Time between polls; 2 s by default. */
  readonly intervalMs?: number;
  /** Aborting rejects at once with the signal's reason. */
  readonly signal: AbortSignal;
}

const DEFAULT_INTERVAL_MS = 2_000;

/** Judges one object's health now; never throws except when `signal` aborts. */
export type HealthReader = (ref: ObjectRef, signal: AbortSignal) => Promise<HealthResult>;

/** Health as the objects in a cluster show it, by kstatus rules. */
export function clusterHealth(kc: KubeConfig): HealthReader {
  const client = KubernetesObjectApi.makeApiClient(kc);
  return (ref, signal) => readHealth(client, ref, signal);
}
/** Enough parallel reads to poll a large inventory quickly without flooding the API server. */
const READ_CONCURRENCY = 8;

/**
 * Polls every object until all are Current, one is Failed (failing fast, as Flux does: a failed object will
 * not recover within the wait) or `timeoutMs` passes; the report then lists every object not Current with
 * its last state. NotFound and Unknown keep the wait going, since the object or its kind may still appear.
 */
export async function waitForHealthy(
  read: HealthReader,
  refs: readonly ObjectRef[],
  options: WaitOptions,
): Promise<HealthReport> {
  const { timeoutMs, intervalMs = DEFAULT_INTERVAL_MS, signal } = options;
  signal.throwIfAborted();
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const results = await mapLimit(refs, READ_CONCURRENCY, (ref) => read(ref, signal));
    const failures = refs.flatMap((ref, i) => {
      const result = results[i];
      return result && result.state !== "Current" ? [failureOf(ref, result)] : [];
    });
    if (failures.length === 0) return { healthy: true, failures: [] };
    const remaining = deadline - performance.now();
    if (remaining <= 0 || failures.some((f) => f.state === "Failed")) return { healthy: false, failures };
    await sleep(Math.min(intervalMs, remaining), undefined, { signal }).catch((error: unknown) => {
      signal.throwIfAborted();
      throw error;
    });
  }
}

/** One line for a Ready condition or event: every unhealthy object with what it is missing. */
export function describeHealthFailures(report: HealthReport): string {
  if (report.healthy) return "all objects are healthy";
  const failed = report.failures.filter((f) => f.state === "Failed");
  const listed = (failed.length > 0 ? failed : report.failures).map((f) => f.message).join("; ");
  return failed.length > 0 ? `failed early: ${listed}` : `timed out waiting for: ${listed}`;
}

function failureOf(ref: ObjectRef, result: HealthResult): HealthFailure {
  const subject = refSubject(ref);
  const message =
    result.state === "Failed" ? `${subject} failed: ${result.message}` : `${subject}: ${result.message}`;
  return { subject, state: result.state, message };
}
