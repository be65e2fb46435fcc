import { describe, expect, it } from "vitest";
import { backoffMs } from "../../../shared/reconcile/worker.ts";

describe("backoffMs", () => {
  const backoff = { baseMs: 1_000, maxMs: 60_000 };

  it("doubles per attempt within [half, full] of the exponential step", () => {
    expect(backoffMs(1, backoff, () => 0)).toBe(500);
    expect(backoffMs(1, backoff, () => 1)).toBe(1_000);
    expect(backoffMs(3, backoff, () => 1)).toBe(4_000);
  });

  it("never exceeds the maximum", () => {
    expect(backoffMs(30, backoff, () => 1)).toBe(60_000);
  });
});
