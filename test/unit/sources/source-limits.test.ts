import { describe, expect, it } from "vitest";
import { DEFAULT_SOURCE_LIMITS, sourceLimitsFromEnv } from "../../../shared/sources/source-deps.ts";

describe("sourceLimitsFromEnv", () => {
  it("keeps the defaults when nothing is set and reads MiB and a retention count when set", () => {
    expect(sourceLimitsFromEnv({})).toEqual(DEFAULT_SOURCE_LIMITS);
    expect(sourceLimitsFromEnv({ SLUICE_MAX_ARTIFACT_MIB: "64", SLUICE_KEEP_ARTIFACTS: "5" })).toEqual({
      maxArtifactBytes: 64 * 1024 * 1024,
      keepArtifacts: 5,
    });
  });

  it.each(["0", "-3", "1.5", "lots"])("refuses %j, naming the variable", (value) => {
    expect(() => sourceLimitsFromEnv({ SLUICE_MAX_ARTIFACT_MIB: value })).toThrow(/SLUICE_MAX_ARTIFACT_MIB/);
  });
});
