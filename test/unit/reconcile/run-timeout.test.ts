import { describe, expect, it } from "vitest";
import { findCondition } from "../../../shared/api/conditions.ts";
import type { StoredObject } from "../../../shared/ports/index.ts";
import { reconcileObject } from "../../../shared/reconcile/reconcile-object.ts";
import {
  ReconcileError,
  type ReconcileInput,
  type Reconciler,
} from "../../../shared/reconcile/reconciler.ts";
import { ReconcilerRegistry } from "../../../shared/reconcile/registry.ts";
import { runTimeoutMs } from "../../../shared/reconcile/run-with-timeout.ts";
import { conditionsOf } from "../../../shared/reconcile/status.ts";
import { localBackend, manualClock } from "../../helpers/backends.ts";

/** Finishes after 200 ms, or gives up when the run is aborted, as a source fetch does. */
class SlowReconciler implements Reconciler {
  readonly kind = "Slow";
  // Derived from the object, as a Kustomization's comes from its interval.
  readonly defaultTimeoutMs = (object: StoredObject) => (object.spec.quick === true ? 30 : undefined);
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

async function run(spec: Record<string, unknown>, explains = false, remainingMs?: () => number) {
  const clock = manualClock();
  const backend = await localBackend(clock);
  const reconciler = new SlowReconciler(explains);
  const key = { kind: "Slow", namespace: "default", name: "x" };
  await backend.state.putObject({ key, apiVersion: "v1", metadata: {}, spec });
  await reconcileObject({ key, reason: "manual" }, "w", {
    ...backend,
    clock,
    registry: new ReconcilerRegistry([reconciler]),
    defaultTimeoutMs: 30,
    ...(remainingMs ? { remainingMs } : {}),
  });
  const object = await backend.state.getObject(key);
  return { ready: findCondition(conditionsOf(object?.status), "Ready"), reconciler };
}

describe("run timeout", () => {
  it("uses the kind's default when the object sets no spec.timeout, and aborts the run", async () => {
    const { ready, reconciler } = await run({ quick: true });
    expect(ready).toMatchObject({ status: "False", message: expect.stringContaining("timed out") });
    expect(reconciler.aborted).toBe(true);
  });

  it("reports the reconciler's own timeout error when it answers the abort", async () => {
    const { ready } = await run({ quick: true }, true);
    expect(ready).toMatchObject({
      status: "False",
      reason: "GitOperationFailed",
      message: "timed out talking to git.example.com",
    });
  });

  it("lets spec.timeout override the kind's default", async () => {
    const { ready } = await run({ quick: true, timeout: "5s" });
    expect(ready).toMatchObject({ status: "True", message: "done" });
  });

  it("takes the kind's timeout from the object when the kind derives it", async () => {
    const quick = await run({ quick: true });
    expect(quick.ready).toMatchObject({ status: "False", message: expect.stringContaining("timed out") });
    // No derived value: the loop's default (30 ms here) applies.
    const fallback = await run({});
    expect(fallback.reconciler.aborted).toBe(true);
  });

  it("never gives a run more time than the process has left, whatever spec.timeout says", () => {
    const reconciler = new SlowReconciler();
    const object = (spec: Record<string, unknown>) =>
      ({ key: { kind: "Slow", namespace: "default", name: "x" }, spec }) as unknown as StoredObject;
    const registry = new ReconcilerRegistry([reconciler]);
    expect(runTimeoutMs(object({ timeout: "5m" }), reconciler, { registry })).toBe(300_000);
    expect(runTimeoutMs(object({ timeout: "5m" }), reconciler, { registry, remainingMs: () => 42_000 })).toBe(
      42_000,
    );
    // A nearly spent invocation still gets a second, enough to fail with a clear message.
    expect(runTimeoutMs(object({ timeout: "5m" }), reconciler, { registry, remainingMs: () => -50 })).toBe(
      1_000,
    );
    expect(runTimeoutMs(object({ quick: true }), reconciler, { registry, remainingMs: () => 42_000 })).toBe(
      30,
    );
  });
});
