import { describe, expect, it } from "vitest";
import { CliError } from "../../../shared/cli/errors.ts";
import { matchesStatus, parseStatusSelector } from "../../../shared/cli/status-selector.ts";

const withConditions = (...conditions: { type: string; status: string }[]) => ({ status: { conditions } });

function usageFailure(text: string): CliError {
  try {
    parseStatusSelector(text);
  } catch (error) {
    if (error instanceof CliError) return error;
    throw error;
  }
  throw new Error(`'${text}' was accepted`);
}

describe("--status-selector", () => {
  it("takes condition=status with the type and status in any case", () => {
    expect(parseStatusSelector("ready=false")).toEqual({ type: "ready", status: "False" });
    expect(parseStatusSelector("Ready=TRUE")).toEqual({ type: "Ready", status: "True" });
    expect(parseStatusSelector("stalled=true")).toEqual({ type: "stalled", status: "True" });
    expect(parseStatusSelector(" ArtifactInStorage = Unknown ")).toEqual({
      type: "ArtifactInStorage",
      status: "Unknown",
    });
  });

  it("refuses anything else as a usage error that shows the expected shape", () => {
    for (const text of ["ready", "ready=", "=false", "ready=maybe", "ready=false=true", "re ady=true", ""]) {
      const error = usageFailure(text);
      expect(error.reason).toBe("Usage");
      expect(error.exitCode).toBe(2);
      expect(error.message).toBe(`--status-selector must be <condition>=<status>, got '${text}'`);
      expect(error.hint).toMatch(/ready=false/);
    }
  });

  it("matches the condition's status, whatever the case of the condition's type", () => {
    const failing = withConditions(
      { type: "Reconciling", status: "False" },
      { type: "Ready", status: "False" },
    );
    expect(matchesStatus(failing, parseStatusSelector("ready=false"))).toBe(true);
    expect(matchesStatus(failing, parseStatusSelector("READY=false"))).toBe(true);
    expect(matchesStatus(failing, parseStatusSelector("ready=true"))).toBe(false);
    expect(matchesStatus(failing, parseStatusSelector("reconciling=false"))).toBe(true);
    const stalled = withConditions({ type: "Stalled", status: "True" }, { type: "Ready", status: "False" });
    expect(matchesStatus(stalled, parseStatusSelector("stalled=true"))).toBe(true);
    expect(matchesStatus(failing, parseStatusSelector("stalled=true"))).toBe(false);
  });

  it("counts a missing Ready as Unknown, as get shows it, and any other missing condition as no match", () => {
    const fresh = { status: {} };
    expect(matchesStatus(fresh, parseStatusSelector("ready=unknown"))).toBe(true);
    expect(matchesStatus(fresh, parseStatusSelector("ready=false"))).toBe(false);
    expect(matchesStatus(fresh, parseStatusSelector("stalled=false"))).toBe(false);
    expect(matchesStatus(fresh, parseStatusSelector("stalled=unknown"))).toBe(false);
    const running = withConditions({ type: "Ready", status: "Unknown" });
    expect(matchesStatus(running, parseStatusSelector("ready=unknown"))).toBe(true);
  });
});
