import { describe, expect, it } from "vitest";
import { reconcileObject } from "../../../shared/reconcile/reconcile-object.ts";
import { ReconcileError, type Reconciler } from "../../../shared/reconcile/reconciler.ts";
import { ReconcilerRegistry } from "../../../shared/reconcile/registry.ts";
import { localBackend, manualClock } from "../../helpers/backends.ts";

function failing(error: ReconcileError): Reconciler {
  return {
    kind: "Waiting",
    reconcile: async () => {
      throw error;
    },
  };
}

async function eventsAfterFailure(error: ReconcileError) {
  const clock = manualClock();
  const backend = await localBackend(clock);
  const key = { kind: "Waiting", namespace: "default", name: "x" };
  await backend.state.putObject({ key, apiVersion: "v1", metadata: {}, spec: {} });
  await reconcileObject({ key, reason: "manual" }, "w", {
    ...backend,
    clock,
    registry: new ReconcilerRegistry([failing(error)]),
  });
  return await backend.eventLog.list({ key });
}

describe("failure events", () => {
  it("are Warnings by default, so alerts page on them", async () => {
    const events = await eventsAfterFailure(new ReconcileError("BuildFailed", "kustomize failed"));
    expect(events).toMatchObject([{ type: "Warning", reason: "BuildFailed" }]);
  });

  it("are Normal for a routine wait, as Flux reports a dependency not ready yet", async () => {
    const events = await eventsAfterFailure(
      new ReconcileError("DependencyNotReady", "dependency 'infra' is not ready", { eventType: "Normal" }),
    );
    expect(events).toMatchObject([{ type: "Normal", reason: "DependencyNotReady" }]);
  });
});
