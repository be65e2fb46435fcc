import { describe, expect, it } from "vitest";
import { DEFAULT_INTERVAL_MS, nextRunAt } from "../../../shared/reconcile/schedule.ts";

const now = 1_000_000;
const middle = () => 0.5; // no jitter

describe("nextRunAt", () => {
  it("runs again after interval on success and retryInterval on failure", () => {
    const spec = { interval: "5m", retryInterval: "30s" };
    expect(nextRunAt({ spec, now, failed: false, random: middle })).toBe(now + 300_000);
    expect(nextRunAt({ spec, now, failed: true, random: middle })).toBe(now + 30_000);
  });

  it("falls back to interval for retries, and to Flux's default without an interval", () => {
    expect(nextRunAt({ spec: { interval: "1m" }, now, failed: true, random: middle })).toBe(now + 60_000);
    expect(nextRunAt({ spec: {}, now, failed: false, random: middle })).toBe(now + DEFAULT_INTERVAL_MS);
  });

  it("honours a reconciler's request to come back sooner, never later", () => {
    const spec = { interval: "10m" };
    expect(nextRunAt({ spec, now, failed: false, random: middle, requeueAfterMs: 5_000 })).toBe(now + 5_000);
    expect(nextRunAt({ spec, now, failed: false, random: middle, requeueAfterMs: 3_600_000 })).toBe(
      now + 600_000,
    );
  });

  it("spreads runs by at most the jitter fraction either way", () => {
    const spec = { interval: "10m" };
    expect(nextRunAt({ spec, now, failed: false, random: () => 0 })).toBe(now + 570_000);
    expect(nextRunAt({ spec, now, failed: false, random: () => 0.999999 })).toBeLessThanOrEqual(
      now + 630_000,
    );
  });
});
