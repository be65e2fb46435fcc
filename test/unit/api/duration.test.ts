import { describe, expect, it } from "vitest";
import { parseDuration } from "../../../shared/api/duration.ts";
import { SpecError } from "../../../shared/api/errors.ts";

describe("parseDuration", () => {
  it.each([
    ["30s", 30_000],
    ["1m30s", 90_000],
    ["10m", 600_000],
    ["1.5h", 5_400_000],
    ["500ms", 500],
    ["2h0m0s", 7_200_000],
    ["0", 0],
  ])("reads %s as Flux and Go do", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(["", "1d", "5", "m", "1m 30s", "-1m", "abc"])("rejects %j with the field named", (text) => {
    const error = (() => {
      try {
        parseDuration(text, "spec.interval");
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(SpecError);
    expect((error as SpecError).reason).toBe("InvalidDuration");
    expect((error as Error).message).toMatch(/^spec\.interval: .* is not a duration/);
  });
});
