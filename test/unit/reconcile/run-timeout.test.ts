import { describe, expect, it } from "vitest";
import { findCondition } from "../../../shared/api/conditions.ts";
import { reconcileObject } from "../../../shared/reconcile/reconcile-object.ts";
import {
  ReconcileError,
  type ReconcileInput,
  type Reconciler,
} from "../../../shared/reconcile/reconciler.ts";
import { ReconcilerRegistry } from "../../../shared/reconcile/registry.ts";
import { conditionsOf } from "../../../shared/reconcile/status.ts";
import { localBackend, manualClock } from "../../helpers/backends.ts";

/** Finishes after 200 ms, or gives up when the run is aborted, as a source fetch does. */
class SlowReconciler implements Reconciler {
  readonly kind = "Slow";
  readonly defaultTimeoutMs = 30;
  aborted = false;

  readonly explains: boolean;

  constructor(explains = false) {
    this.explains = explains;
  }

  async reconcile({ signal }: ReconcileInput) {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, 200);
      signal.addEventListener("abort", () => {
        this.aborted = true;
        clearTimeout(timer);
        reject(
          this.explains
            ? new ReconcileError("GitOperationFailed", "timed out talking to git.example.com")
            : signal.reason,
        );
      });
    });
    return { message: "done" };
  }
}

async function run(spec: Record<string, unknown>, explains = false) {
  const clock = manualClock();
  const backend = await localBackend(clock);
  const reconciler = new SlowReconciler(explains);
  const key = { kind: "Slow", namespace: "default", name: "x" };
  await backend.state.putObject({ key, apiVersion: "v1", metadata: {}, spec });
  await reconcileObject({ key, reason: "manual" }, "w", {
    ...backend,
    clock,
    registry: new ReconcilerRegistry([reconciler]),
  });
  const object = await backend.state.getObject(key);
  return { ready: findCondition(conditionsOf(object?.status), "Ready"), reconciler };
}

describe("run timeout", () => {
  it("uses the kind's default when the object sets no spec.timeout, and aborts the run", async () => {
    const { ready, reconciler } = await run({});
    expect(ready).toMatchObject({ status: "False", message: expect.stringContaining("timed out") });
    expect(reconciler.aborted).toBe(true);
  });

  it("reports the reconciler's own timeout error when it answers the abort", async () => {
    const { ready } = await run({}, true);
    expect(ready).toMatchObject({
      status: "False",
      reason: "GitOperationFailed",
      message: "timed out talking to git.example.com",
    });
  });

  it("lets spec.timeout override the kind's default", async () => {
    const { ready } = await run({ timeout: "5s" });
    expect(ready).toMatchObject({ status: "True", message: "done" });
  });
});
