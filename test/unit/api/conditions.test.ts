import { describe, expect, it } from "vitest";
import { findCondition, removeCondition, setCondition } from "../../../shared/api/conditions.ts";

describe("conditions", () => {
  const t0 = Date.parse("2026-01-01T00:00:00Z");
  const t1 = t0 + 60_000;

  it("keeps lastTransitionTime while the status stays the same", () => {
    const first = setCondition([], { type: "Ready", status: "True", reason: "A", message: "one" }, t0);
    const second = setCondition(first, { type: "Ready", status: "True", reason: "B", message: "two" }, t1);
    expect(second).toHaveLength(1);
    expect(second[0]).toMatchObject({
      reason: "B",
      message: "two",
      lastTransitionTime: new Date(t0).toISOString(),
    });
  });

  it("moves lastTransitionTime when the status flips", () => {
    const first = setCondition([], { type: "Ready", status: "True", reason: "A", message: "" }, t0);
    const second = setCondition(first, { type: "Ready", status: "False", reason: "B", message: "" }, t1);
    expect(findCondition(second, "Ready")?.lastTransitionTime).toBe(new Date(t1).toISOString());
  });

  it("removes a condition by type and leaves the others", () => {
    let conditions = setCondition([], { type: "Ready", status: "False", reason: "A", message: "" }, t0);
    conditions = setCondition(conditions, { type: "Stalled", status: "True", reason: "A", message: "" }, t0);
    expect(removeCondition(conditions, "Stalled").map((c) => c.type)).toEqual(["Ready"]);
  });
});
