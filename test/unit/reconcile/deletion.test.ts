import { describe, expect, it } from "vitest";
import { findCondition } from "../../../shared/api/conditions.ts";
import { requestDeletion } from "../../../shared/control/commands.ts";
import { reconcileObject } from "../../../shared/reconcile/reconcile-object.ts";
import { ReconcileError, type Reconciler } from "../../../shared/reconcile/reconciler.ts";
import { ReconcilerRegistry } from "../../../shared/reconcile/registry.ts";
import { conditionsOf } from "../../../shared/reconcile/status.ts";
import { localBackend, manualClock } from "../../helpers/backends.ts";

/** Owns something outside sluice; cleaning it up fails until `reachable`. */
class Owner implements Reconciler {
  readonly kind = "Owner";
  reachable = false;
  finalized = 0;

  async reconcile() {
    return { message: "owning" };
  }

  async finalize() {
    if (!this.reachable) throw new ReconcileError("PruneFailed", "cluster unreachable: nothing was deleted");
    this.finalized++;
  }
}

async function setup() {
  const clock = manualClock();
  const backend = await localBackend(clock);
  const owner = new Owner();
  const deps = { ...backend, clock, registry: new ReconcilerRegistry([owner]) };
  const key = { kind: "Owner", namespace: "default", name: "x" };
  await backend.state.putObject({
    key,
    apiVersion: "test/v1",
    metadata: { labels: { team: "a" } },
    spec: { interval: "1h" },
  });
  const run = () => reconcileObject({ key, reason: "manual" }, "w", deps);
  return { backend, deps, owner, key, run };
}

describe("deleting an object", () => {
  it("keeps it until its kind has cleaned up, reporting the failure, then removes it", async () => {
    const { backend, deps, owner, key, run } = await setup();
    expect(await run()).toMatchObject({ outcome: "reconciled", ready: true });
    await requestDeletion(deps, key);
    expect((await backend.state.getObject(key))?.metadata.labels).toEqual({ team: "a" });

    expect(await run()).toMatchObject({ outcome: "reconciled", ready: false });
    const stuck = await backend.state.getObject(key);
    expect(findCondition(conditionsOf(stuck?.status), "Ready")).toMatchObject({
      status: "False",
      reason: "PruneFailed",
    });
    expect(stuck?.dueAt).toBeDefined();

    owner.reachable = true;
    expect(await run()).toEqual({ outcome: "deleted" });
    expect(owner.finalized).toBe(1);
    expect(await backend.state.getObject(key)).toBeUndefined();
    expect((await backend.eventLog.list({ key }))?.map((e) => e.reason)).toContain("Deleted");
  });

  it("removes a suspended object without cleaning up, as Flux leaves a suspended object's work in place", async () => {
    const { backend, deps, owner, key, run } = await setup();
    const object = await backend.state.getObject(key);
    if (!object) throw new Error("missing");
    await backend.state.putObject({ ...object, spec: { ...object.spec, suspend: true } });
    await requestDeletion(deps, key);
    expect(await run()).toEqual({ outcome: "deleted" });
    expect(owner.finalized).toBe(0);
  });
});
