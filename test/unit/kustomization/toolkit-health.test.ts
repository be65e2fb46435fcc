import { describe, expect, it } from "vitest";
import { toolkitHealth } from "../../../shared/kustomization/toolkit-health.ts";
import { localBackend, manualClock } from "../../helpers/backends.ts";

const ref = {
  apiVersion: "kustomize.toolkit.fluxcd.io/v1",
  kind: "Kustomization",
  namespace: "flux-system",
  name: "apps",
};
const key = { kind: "Kustomization", namespace: "flux-system", name: "apps" };
const ready = (status: "True" | "False", observedGeneration: number, extra: object[] = []) => ({
  observedGeneration,
  conditions: [
    { type: "Ready", status, reason: "x", message: "m", lastTransitionTime: "2026-01-01T00:00:00Z" },
    ...extra,
  ],
});

describe("toolkit health", () => {
  it("judges registered toolkit objects by their stored status, as kstatus would", async () => {
    const { state } = await localBackend(manualClock());
    const read = toolkitHealth(state);
    const signal = new AbortController().signal;
    expect(await read(ref, signal)).toMatchObject({ state: "NotFound" });

    await state.putObject({ key, apiVersion: ref.apiVersion, metadata: {}, spec: { interval: "1m" } });
    // Registered but never run: not healthy yet, whatever the empty status would say.
    expect(await read(ref, signal)).toMatchObject({ state: "InProgress" });

    await state.writeStatus(key, ready("True", 1), 0);
    expect(await read(ref, signal)).toMatchObject({ state: "Current" });

    // A new spec not yet observed is in progress again.
    await state.putObject({ key, apiVersion: ref.apiVersion, metadata: {}, spec: { interval: "2m" } });
    expect(await read(ref, signal)).toMatchObject({ state: "InProgress" });

    const stalled = {
      type: "Stalled",
      status: "True",
      reason: "InvalidSpec",
      message: "bad path",
      lastTransitionTime: "2026-01-01T00:00:00Z",
    };
    await state.writeStatus(key, ready("False", 2, [stalled]), 1);
    expect(await read(ref, signal)).toMatchObject({ state: "Failed" });
  });
});
