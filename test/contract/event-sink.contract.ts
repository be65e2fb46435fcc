import { describe, expect, it } from "vitest";
import { isPortError } from "../../shared/ports/errors.ts";
import type { EventLog, EventSink, ReconcileEvent } from "../../shared/ports/events.ts";
import type { ObjectKey } from "../../shared/ports/object-key.ts";

/** A sink and a way to see what it delivered downstream (the log, or a queue behind a rule). */
export interface EventSinkHarness {
  readonly sink: EventSink;
  /** Waits until at least `count` events were delivered, then returns all delivered so far. */
  delivered(count: number): Promise<ReconcileEvent[]>;
}

const podinfo: ObjectKey = { kind: "GitRepository", namespace: "flux-system", name: "podinfo" };
const apps: ObjectKey = { kind: "Kustomization", namespace: "flux-system", name: "apps" };

/** Recent but fixed per run, so age-based retention keeps every event these tests publish. */
const base = Date.now() - 60_000;

function event(key: ObjectKey, n: number, extra: Partial<ReconcileEvent> = {}): ReconcileEvent {
  return {
    key,
    type: "Normal",
    reason: "ReconciliationSucceeded",
    message: `event ${n} of ${key.name}`,
    timestamp: base + n * 1000,
    ...extra,
  };
}

const byTimeThenMessage = (a: ReconcileEvent, b: ReconcileEvent) =>
  a.timestamp - b.timestamp || a.message.localeCompare(b.message);

/** What every EventSink must do: deliver each published event, whole and unchanged. */
export function eventSinkContract(name: string, make: () => Promise<EventSinkHarness>): void {
  describe(`EventSink contract: ${name}`, () => {
    it("delivers an event with every field intact", async () => {
      const { sink, delivered } = await make();
      const full = event(apps, 1, {
        type: "Warning",
        reason: "ReconciliationFailed",
        message: "kustomize build failed: accumulating resources — ünïcödé ✓",
        revision: "main@sha1:4b825dc642cb6eb9a060e54bf8d69288fbee4904",
        metadata: { "kustomize.toolkit.fluxcd.io/revision": "main@sha1:4b825dc6", token: "summary" },
      });
      await sink.publish([full]);
      expect(await delivered(1)).toEqual([full]);
    });

    it("leaves absent optional fields absent", async () => {
      const { sink, delivered } = await make();
      await sink.publish([event(podinfo, 1)]);
      const [got] = await delivered(1);
      expect(got).toEqual(event(podinfo, 1));
      expect(got).not.toHaveProperty("revision");
      expect(got).not.toHaveProperty("metadata");
    });

    it("delivers nothing for an empty publish", async () => {
      const { sink, delivered } = await make();
      await sink.publish([]);
      await sink.publish([event(podinfo, 2)]);
      expect(await delivered(1)).toEqual([event(podinfo, 2)]);
    });

    it("delivers every event of a burst larger than one request", async () => {
      const { sink, delivered } = await make();
      const burst = Array.from({ length: 23 }, (_, n) => event(n % 2 ? apps : podinfo, n));
      await sink.publish(burst);
      expect((await delivered(burst.length)).sort(byTimeThenMessage)).toEqual(burst);
    });

    it("delivers events whose messages together are larger than one request", async () => {
      const { sink, delivered } = await make();
      // 60 KB each in UTF-8 (two bytes per character): six of them exceed 256 KB.
      const large = Array.from({ length: 6 }, (_, n) =>
        event(apps, n, { message: `${n}${"é".repeat(30_000)}` }),
      );
      await sink.publish(large);
      expect((await delivered(large.length)).sort(byTimeThenMessage)).toEqual(large);
    });
  });
}

/** What every EventLog must do, fed through the EventSink it stores. */
export function eventLogContract(
  name: string,
  make: () => Promise<{ sink: EventSink; log: EventLog }>,
): void {
  describe(`EventLog contract: ${name}`, () => {
    it("lists nothing when nothing was published", async () => {
      const { log } = await make();
      expect(await log.list({})).toEqual([]);
    });

    it("lists every event newest last, whatever order they were published in", async () => {
      const { sink, log } = await make();
      await sink.publish([event(apps, 3), event(podinfo, 1)]);
      await sink.publish([event(podinfo, 2)]);
      expect(await log.list({})).toEqual([event(podinfo, 1), event(podinfo, 2), event(apps, 3)]);
    });

    it("keeps publish order for events with the same timestamp", async () => {
      const { sink, log } = await make();
      const first = event(apps, 1, { message: "first" });
      const second = event(apps, 1, { message: "second" });
      await sink.publish([first]);
      await sink.publish([second]);
      expect(await log.list({ key: apps })).toEqual([first, second]);
    });

    it("filters by object key, by time and by count", async () => {
      const { sink, log } = await make();
      const events = Array.from({ length: 10 }, (_, n) => event(n % 2 ? apps : podinfo, n));
      await sink.publish(events);
      expect(await log.list({ key: apps })).toEqual(events.filter((e) => e.key === apps));
      expect(await log.list({ key: { ...apps, name: "other" } })).toEqual([]);
      expect(await log.list({ since: base + 7000 })).toEqual(events.slice(7));
      expect(await log.list({ limit: 3 })).toEqual(events.slice(7));
      expect(await log.list({ limit: 0 })).toEqual([]);
      expect(await log.list({ key: podinfo, since: base + 3000, limit: 2 })).toEqual([
        event(podinfo, 6),
        event(podinfo, 8),
      ]);
    });

    it("returns the fields as published", async () => {
      const { sink, log } = await make();
      const full = event(apps, 1, { type: "Warning", revision: "v1.2.3@sha256:abc", metadata: { a: "b" } });
      await sink.publish([full, event(podinfo, 2)]);
      const [got, bare] = await log.list({});
      expect(got).toEqual(full);
      expect(bare).not.toHaveProperty("revision");
      expect(bare).not.toHaveProperty("metadata");
    });

    it("refuses a limit that is not a whole number ≥ 0 as Invalid", async () => {
      const { log } = await make();
      for (const limit of [-1, 1.5, Number.NaN]) {
        const error = await log.list({ limit }).catch((e: unknown) => e);
        expect(isPortError(error, "Invalid")).toBe(true);
      }
    });
  });
}
