import { describe, expect, it } from "vitest";
import { findCondition } from "../../../shared/api/conditions.ts";
import { conditionsOf, nextStatus, readyChanged } from "../../../shared/reconcile/status.ts";

const now = Date.parse("2026-03-01T12:00:00Z");

describe("nextStatus", () => {
  it("marks a success Ready=True, records the generation, and merges the kind's fields", () => {
    const status = nextStatus({
      previous: undefined,
      generation: 3,
      now,
      outcome: {
        ok: true,
        result: { message: "stored artifact", status: { artifact: { revision: "main@sha1:abc" } } },
      },
      requestedAt: "2026-03-01T11:59:00Z",
    });
    expect(status).toMatchObject({
      observedGeneration: 3,
      artifact: { revision: "main@sha1:abc" },
      lastHandledReconcileAt: "2026-03-01T11:59:00Z",
    });
    expect(findCondition(conditionsOf(status), "Ready")).toMatchObject({
      status: "True",
      reason: "ReconciliationSucceeded",
      observedGeneration: 3,
    });
  });

  it("marks a retryable failure Ready=False and Reconciling=True, without moving observedGeneration", () => {
    const previous = nextStatus({
      previous: undefined,
      generation: 1,
      now,
      outcome: { ok: true, result: { message: "ok" } },
    });
    const status = nextStatus({
      previous,
      generation: 2,
      now,
      outcome: { ok: false, reason: "GitOperationFailed", message: "connection refused", stalled: false },
    });
    expect(status.observedGeneration).toBe(1);
    expect(findCondition(conditionsOf(status), "Ready")).toMatchObject({
      status: "False",
      reason: "GitOperationFailed",
    });
    expect(findCondition(conditionsOf(status), "Reconciling")).toMatchObject({
      status: "True",
      reason: "ProgressingWithRetry",
    });
    expect(findCondition(conditionsOf(status), "Stalled")).toBeUndefined();
  });

  it("records the fields a failure reports (lastAttemptedRevision) and keeps the rest", () => {
    const previous = nextStatus({
      previous: undefined,
      generation: 1,
      now,
      outcome: {
        ok: true,
        result: {
          message: "ok",
          status: { lastAppliedRevision: "main@sha1:a", lastAttemptedRevision: "main@sha1:a" },
        },
      },
    });
    const status = nextStatus({
      previous,
      generation: 1,
      now,
      outcome: {
        ok: false,
        reason: "ValidationFailed",
        message: "Deployment/default/web invalid",
        stalled: false,
        status: { lastAttemptedRevision: "main@sha1:b" },
      },
    });
    expect(status).toMatchObject({
      lastAppliedRevision: "main@sha1:a",
      lastAttemptedRevision: "main@sha1:b",
    });
  });

  it("marks a stalled failure Stalled=True and handles the generation", () => {
    const status = nextStatus({
      previous: undefined,
      generation: 4,
      now,
      outcome: { ok: false, reason: "InvalidDuration", message: "spec.interval: bad", stalled: true },
    });
    expect(status.observedGeneration).toBe(4);
    expect(findCondition(conditionsOf(status), "Stalled")).toMatchObject({
      status: "True",
      reason: "InvalidDuration",
    });
    expect(findCondition(conditionsOf(status), "Reconciling")).toBeUndefined();
  });

  it("produces an identical status for an identical steady run, so nothing is written", () => {
    const outcome = { ok: true as const, result: { message: "ok" } };
    const first = nextStatus({ previous: undefined, generation: 1, now, outcome });
    const second = nextStatus({ previous: first, generation: 1, now: now + 60_000, outcome });
    expect(second).toEqual(first);
    expect(readyChanged(first, second)).toBe(false);
  });
});
