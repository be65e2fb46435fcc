import { describe, expect, it } from "vitest";
import { findCondition } from "../../shared/api/conditions.ts";
import { createApiHandler } from "../../shared/control/http-api.ts";
import { formatKey, type ObjectKey, PortError } from "../../shared/ports/index.ts";
import { reconcileObject } from "../../shared/reconcile/reconcile-object.ts";
import { ReconcilerRegistry } from "../../shared/reconcile/registry.ts";
import { enqueueDue } from "../../shared/reconcile/scheduler.ts";
import { conditionsOf } from "../../shared/reconcile/status.ts";
import { processBatch } from "../../shared/reconcile/worker.ts";
import { ProbeReconciler } from "../fixtures/probe-reconciler.ts";
import {
  awsBackend,
  type Backend,
  type BackendFactory,
  localBackend,
  manualClock,
} from "../helpers/backends.ts";

function probe(name: string, spec: Record<string, unknown> = {}) {
  return {
    key: { kind: "Probe", namespace: "default", name },
    apiVersion: "test.sluice.dev/v1",
    metadata: {},
    spec: { interval: "1m", ...spec },
  };
}

async function setup(factory: BackendFactory, options?: { maxAttempts?: number }) {
  const clock = manualClock();
  const backend = await factory(clock, options);
  const reconciler = new ProbeReconciler();
  const deps = {
    ...backend,
    clock,
    registry: new ReconcilerRegistry([reconciler]),
    holder: "worker-1",
    random: () => 0.5,
    busyRetryMs: 0,
  };
  /** One worker pass: whatever the queue has now, processed as one batch. */
  const drain = async () => {
    const messages = await backend.queue.receive({ max: 10, visibilityMs: 30_000, waitMs: 1_000 });
    return processBatch(messages, deps);
  };
  return { clock, backend, reconciler, deps, drain };
}

async function ready(backend: Backend, key: ObjectKey) {
  const object = await backend.state.getObject(key);
  return findCondition(conditionsOf(object?.status), "Ready");
}

function loopContract(name: string, factory: BackendFactory) {
  describe(`reconcile loop on ${name}`, () => {
    it("takes a new object from the due index through the queue to Ready, and schedules it at its interval", async () => {
      const { clock, backend, reconciler, drain } = await setup(factory);
      const a = probe("a", { message: "hello" });
      await backend.state.putObject(a);
      expect(await enqueueDue({ ...backend, clock })).toBe(1);
      const report = await drain();
      expect([...report.outcomes.values()]).toEqual(["reconciled"]);
      const object = await backend.state.getObject(a.key);
      expect(object?.status).toMatchObject({ observedGeneration: 1, probedGeneration: 1 });
      expect(await ready(backend, a.key)).toMatchObject({
        status: "True",
        reason: "ReconciliationSucceeded",
        message: "probe hello",
      });
      expect(object?.dueAt).toBe(clock.now() + 60_000);
      expect(reconciler.calls.get(formatKey(a.key))).toBe(1);
      const events = await backend.eventLog.list({ key: a.key });
      expect(events.map((e) => `${e.type}/${e.reason}`)).toEqual(["Normal/ReconciliationSucceeded"]);
      // Nothing else is due until the interval has passed.
      expect(await enqueueDue({ ...backend, clock })).toBe(0);
    });

    it("writes no status and no event when a scheduled run finds nothing changed", async () => {
      const { clock, backend, deps } = await setup(factory);
      const a = probe("steady");
      await backend.state.putObject(a);
      await reconcileObject({ key: a.key, reason: "due" }, "w", deps);
      const before = await backend.state.getObject(a.key);
      clock.advance(61_000);
      const second = await reconcileObject({ key: a.key, reason: "due" }, "w", deps);
      expect(second).toEqual({ outcome: "reconciled", ready: true, statusWritten: false });
      const after = await backend.state.getObject(a.key);
      expect(after?.statusVersion).toBe(before?.statusVersion);
      expect(await backend.eventLog.list({ key: a.key })).toHaveLength(1);
    });

    it("turns a failing reconciler into Ready=False and a retry at retryInterval, without touching the rest of the batch", async () => {
      const { clock, backend, drain } = await setup(factory);
      const good = probe("good");
      const bad = probe("bad", { behaviour: "fail", message: "repository not found", retryInterval: "20s" });
      const crash = probe("crash", { behaviour: "crash" });
      const stall = probe("stall", { behaviour: "stall" });
      for (const object of [good, bad, crash, stall]) await backend.state.putObject(object);
      await enqueueDue({ ...backend, clock });
      let handled = 0;
      while (handled < 4) handled += (await drain()).outcomes.size;

      expect(await ready(backend, good.key)).toMatchObject({ status: "True" });
      expect(await ready(backend, bad.key)).toMatchObject({
        status: "False",
        reason: "ProbeFailed",
        message: "repository not found",
      });
      expect(await ready(backend, crash.key)).toMatchObject({
        status: "False",
        reason: "ReconciliationFailed",
      });
      const stalled = await backend.state.getObject(stall.key);
      expect(findCondition(conditionsOf(stalled?.status), "Stalled")).toMatchObject({
        status: "True",
        reason: "InvalidProbe",
      });
      expect((await backend.state.getObject(bad.key))?.dueAt).toBe(clock.now() + 20_000);
      const [warning] = await backend.eventLog.list({ key: bad.key });
      expect(warning).toMatchObject({
        type: "Warning",
        reason: "ProbeFailed",
        message: "repository not found",
      });
    });

    it("dead-letters a corrupt message with its reason and still handles the valid ones", async () => {
      const { clock, backend, drain } = await setup(factory);
      const a = probe("valid");
      await backend.state.putObject(a);
      await backend.queue.send([{ groupId: "garbage", body: "{not json" }]);
      await enqueueDue({ ...backend, clock });
      let handled = 0;
      const outcomes: string[] = [];
      while (handled < 2) {
        const report = await drain();
        handled += report.outcomes.size;
        outcomes.push(...report.outcomes.values());
      }
      expect(outcomes.sort()).toEqual(["dead-lettered", "reconciled"]);
      const dead = await backend.queue.listDeadLetters(10);
      expect(dead).toHaveLength(1);
      expect(dead[0]?.reason).toMatch(/corrupt work message: message body is not JSON/);
    });

    it("stops scheduling a suspended object and refuses a manual reconcile of it", async () => {
      const { clock, backend, deps } = await setup(factory);
      const a = probe("paused");
      await backend.state.putObject(a);
      const api = createApiHandler(deps);
      const path = `/v1/objects/Probe/default/paused`;
      expect((await api({ method: "POST", path: `${path}/suspend`, query: {} })).status).toBe(200);
      expect(await backend.state.listDue(clock.now() + 3_600_000, 10)).toEqual([]);
      const refused = await api({ method: "POST", path: `${path}/reconcile`, query: {} });
      expect(refused).toMatchObject({ status: 409, body: { error: { reason: "Suspended" } } });
      expect((await api({ method: "POST", path: `${path}/resume`, query: {} })).status).toBe(200);
      expect(await backend.state.listDue(clock.now(), 10)).toEqual([a.key]);
    });

    it("answers a manual reconcile request with lastHandledReconcileAt set to the request time", async () => {
      const { backend, deps, drain } = await setup(factory);
      const a = probe("manual");
      await backend.state.putObject(a);
      const api = createApiHandler(deps);
      const response = await api({
        method: "POST",
        path: "/v1/objects/Probe/default/manual/reconcile",
        query: {},
      });
      expect(response.status).toBe(202);
      const { requestedAt } = response.body as { requestedAt: string };
      expect([...(await drain()).outcomes.values()]).toEqual(["reconciled"]);
      const view = await api({ method: "GET", path: "/v1/objects/Probe/default/manual", query: {} });
      expect(view.body).toMatchObject({
        kind: "Probe",
        suspended: false,
        status: { lastHandledReconcileAt: requestedAt },
      });
      const list = await api({ method: "GET", path: "/v1/objects", query: { kind: "Probe" } });
      expect((list.body as { items: unknown[] }).items).toHaveLength(1);
      expect((await api({ method: "GET", path: "/v1/objects/Probe/default/nope", query: {} })).status).toBe(
        404,
      );
    });

    it("lets exactly one of two racing workers run an object", async () => {
      const { backend, reconciler, deps } = await setup(factory);
      const a = probe("raced", { behaviour: "slow", holdMs: 300 });
      await backend.state.putObject(a);
      const results = await Promise.all(
        ["worker-a", "worker-b", "worker-c"].map((holder) =>
          reconcileObject({ key: a.key, reason: "manual" }, holder, deps),
        ),
      );
      expect(results.map((r) => r.outcome).sort()).toEqual(["busy", "busy", "reconciled"]);
      expect(reconciler.calls.get(formatKey(a.key))).toBe(1);
    });

    it("takes over the object of a worker that died holding its lease, once the lease expires", async () => {
      const { clock, backend, reconciler, deps } = await setup(factory);
      const a = probe("orphaned");
      await backend.state.putObject(a);
      await backend.state.acquireLease({
        key: a.key,
        holder: "crashed-worker",
        now: clock.now(),
        ttlMs: 60_000,
      });
      expect(await reconcileObject({ key: a.key, reason: "manual" }, "worker-1", deps)).toEqual({
        outcome: "busy",
      });
      clock.advance(60_001);
      expect(await reconcileObject({ key: a.key, reason: "manual" }, "worker-1", deps)).toMatchObject({
        outcome: "reconciled",
      });
      expect(reconciler.calls.get(formatKey(a.key))).toBe(1);
    });
  });
}

loopContract("the local adapters (SQLite)", localBackend);
loopContract("the AWS adapters (DynamoDB, SQS FIFO, EventBridge on moto)", awsBackend);

describe("reconcile loop when the store itself fails", () => {
  it("retries the message with backoff instead of dropping it, and succeeds once the store recovers", async () => {
    const { clock, backend, deps } = await setup(localBackend);
    const a = probe("flaky");
    await backend.state.putObject(a);
    let outage = true;
    const flakyState = new Proxy(backend.state, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver);
        if (typeof value !== "function") return value;
        // Bound to the real store: its methods use private fields, which a proxy does not carry.
        if (property !== "acquireLease") return value.bind(target);
        return (...args: unknown[]) => {
          if (outage) return Promise.reject(new PortError("Transient", "ThrottlingException: rate exceeded"));
          return value.apply(target, args);
        };
      },
    });
    const flakyDeps = { ...deps, state: flakyState, backoff: { baseMs: 10_000, maxMs: 60_000 } };
    await enqueueDue({ ...backend, clock });
    const first = await processBatch(
      await backend.queue.receive({ max: 10, visibilityMs: 30_000 }),
      flakyDeps,
    );
    expect([...first.outcomes.values()]).toEqual(["retrying"]);
    expect(first.retried).toHaveLength(1);
    // Hidden for the backoff, then delivered again.
    expect(await backend.queue.receive({ max: 10, visibilityMs: 30_000 })).toEqual([]);
    outage = false;
    clock.advance(10_001);
    const again = await backend.queue.receive({ max: 10, visibilityMs: 30_000 });
    expect(again.map((m) => m.attempts)).toEqual([2]);
    const second = await processBatch(again, flakyDeps);
    expect([...second.outcomes.values()]).toEqual(["reconciled"]);
    expect(await ready(backend, a.key)).toMatchObject({ status: "True" });
  });
});
