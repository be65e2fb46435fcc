import { describe, expect, it } from "vitest";
import { openDatabase } from "../../../shared/adapters/local/database.ts";
import { SqliteEventLog } from "../../../shared/adapters/local/sqlite-event-log.ts";
import { createApiHandler, MAX_EVENTS_PER_RESPONSE } from "../../../shared/control/http-api.ts";
import type { ReconcileEvent } from "../../../shared/ports/events.ts";
import { localBackend, manualClock } from "../../helpers/backends.ts";

const key = { kind: "Kustomization", namespace: "flux-system", name: "apps" };

async function api() {
  const clock = manualClock();
  const backend = await localBackend(clock);
  const log = new SqliteEventLog({ database: openDatabase({ path: ":memory:" }), clock, retain: 5000 });
  const events: ReconcileEvent[] = Array.from({ length: MAX_EVENTS_PER_RESPONSE + 5 }, (_, n) => ({
    key,
    type: "Normal",
    reason: "Progressing",
    message: `event ${n}`,
    timestamp: clock.now() - 10_000 + n,
  }));
  await log.publish(events);
  const handler = createApiHandler({ ...backend, clock, eventLog: log });
  const list = async (query: Record<string, string>) => {
    const response = await handler({ method: "GET", path: "/v1/events", query });
    expect(response.status).toBe(200);
    return (response.body as { items: ReconcileEvent[] }).items;
  };
  return { list, events };
}

describe("GET /v1/events", () => {
  it("answers with at most the newest MAX_EVENTS_PER_RESPONSE events, however many were asked for", async () => {
    const { list, events } = await api();
    expect(await list({})).toEqual(events.slice(-MAX_EVENTS_PER_RESPONSE));
    expect(await list({ limit: "5000" })).toEqual(events.slice(-MAX_EVENTS_PER_RESPONSE));
    expect(await list({ limit: "3" })).toEqual(events.slice(-3));
  });

  it("filters by object and time", async () => {
    const { list, events } = await api();
    const last = events.at(-1) as ReconcileEvent;
    expect(await list({ object: "Kustomization/flux-system/other" })).toEqual([]);
    expect(
      await list({ object: "Kustomization/flux-system/apps", since: new Date(last.timestamp).toISOString() }),
    ).toEqual([last]);
  });
});
