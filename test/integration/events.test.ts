import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  CreateEventBusCommand,
  EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
  PutRuleCommand,
  PutTargetsCommand,
} from "@aws-sdk/client-eventbridge";
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SetQueueAttributesCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { describe, expect, it, vi } from "vitest";
import { DynamoDbEventLog } from "../../shared/adapters/aws/dynamodb-event-log.ts";
import { createEventTable, dayOf } from "../../shared/adapters/aws/event-table.ts";
import { EventBridgeEventSink } from "../../shared/adapters/aws/eventbridge-event-sink.ts";
import { openDatabase } from "../../shared/adapters/local/database.ts";
import { SqliteEventLog, type SqliteEventLogOptions } from "../../shared/adapters/local/sqlite-event-log.ts";
import { isPortError } from "../../shared/ports/errors.ts";
import type { ReconcileEvent } from "../../shared/ports/events.ts";
import type { ObjectKey } from "../../shared/ports/object-key.ts";
import { eventLogContract, eventSinkContract } from "../contract/event-sink.contract.ts";
import { awsClientConfig } from "../env/context.ts";
import { tempDir } from "../helpers/temp-dir.ts";

const apps: ObjectKey = { kind: "Kustomization", namespace: "flux-system", name: "apps" };
const podinfo: ObjectKey = { kind: "GitRepository", namespace: "flux-system", name: "podinfo" };
const NOW = 1_750_000_000_000;

function event(key: ObjectKey, n: number, extra: Partial<ReconcileEvent> = {}): ReconcileEvent {
  return {
    key,
    type: "Normal",
    reason: "ReconciliationSucceeded",
    message: `event ${n} of ${key.name}`,
    timestamp: NOW + n,
    ...extra,
  };
}

function localLog(options: Partial<SqliteEventLogOptions> = {}): SqliteEventLog {
  return new SqliteEventLog({ database: openDatabase({ path: ":memory:" }), ...options });
}

// ---- the local adapter -------------------------------------------------------------------------

eventSinkContract("SqliteEventLog", async () => {
  const log = localLog();
  return { sink: log, delivered: async () => log.list({}) };
});

eventLogContract("SqliteEventLog", async () => {
  const log = localLog();
  return { sink: log, log };
});

describe("SqliteEventLog", () => {
  const clock = { now: () => NOW };

  it("keeps only the newest `retain` events of each object", async () => {
    const log = localLog({ clock, retain: 3 });
    await log.publish(Array.from({ length: 5 }, (_, n) => event(apps, n)));
    for (let n = 5; n < 8; n++) await log.publish([event(apps, n), event(podinfo, n)]);
    expect(await log.list({ key: apps })).toEqual([event(apps, 5), event(apps, 6), event(apps, 7)]);
    expect(await log.list({ key: podinfo })).toEqual([
      event(podinfo, 5),
      event(podinfo, 6),
      event(podinfo, 7),
    ]);
  });

  it("drops events older than maxAgeMs on publish, also those of objects that stopped publishing", async () => {
    let now = NOW;
    const log = localLog({ clock: { now: () => now }, maxAgeMs: 1000 });
    await log.publish([event(podinfo, 0), event(apps, -5000)]);
    expect(await log.list({})).toEqual([event(podinfo, 0)]);
    now += 2000;
    await log.publish([event(apps, 2000)]);
    expect(await log.list({})).toEqual([event(apps, 2000)]);
  });

  it("keeps its events in events_* tables, across connections to the same file", async () => {
    const path = join(await tempDir(), "sluice.db");
    const first = openDatabase({ path });
    await new SqliteEventLog({ database: first, clock }).publish([event(apps, 1)]);
    first.close();
    const second = openDatabase({ path });
    expect(await new SqliteEventLog({ database: second, clock }).list({})).toEqual([event(apps, 1)]);
    const tables = second.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all();
    expect(tables.map((t) => t.name).filter((n) => n !== "sqlite_sequence")).toEqual(["events_log"]);
    second.close();
  });

  it("tells every subscriber of each publish, after the events are stored", async () => {
    const log = localLog({ clock });
    const heard: { events: readonly ReconcileEvent[]; listed: ReconcileEvent[] }[] = [];
    const other = vi.fn();
    log.subscribe(async (events) => {
      heard.push({ events, listed: await log.list({}) });
    });
    const unsubscribe = log.subscribe(other);

    await log.publish([event(apps, 1), event(podinfo, 2)]);
    await log.publish([]);
    unsubscribe();
    await log.publish([event(apps, 3)]);

    expect(heard).toEqual([
      { events: [event(apps, 1), event(podinfo, 2)], listed: [event(apps, 1), event(podinfo, 2)] },
      { events: [event(apps, 3)], listed: [event(apps, 1), event(podinfo, 2), event(apps, 3)] },
    ]);
    expect(other).toHaveBeenCalledTimes(1);
  });

  it("lets every subscriber hear a publish even when one fails, then throws its error", async () => {
    const log = localLog({ clock });
    const failure = new Error("queue unavailable");
    const after = vi.fn();
    log.subscribe(() => {
      throw failure;
    });
    log.subscribe(after);
    await expect(log.publish([event(apps, 1)])).rejects.toBe(failure);
    expect(after).toHaveBeenCalledWith([event(apps, 1)]);
    expect(await log.list({})).toEqual([event(apps, 1)]);
  });
});

// ---- EventBridge on moto -----------------------------------------------------------------------

interface Envelope {
  readonly source: string;
  readonly "detail-type": string;
  readonly time: string;
  readonly detail: ReconcileEvent;
}

interface Bus {
  readonly client: EventBridgeClient;
  readonly name: string;
  /** A rule on this bus with a fresh SQS queue as its target; returns a reader of that queue. */
  route(pattern: object): Promise<(count: number) => Promise<Envelope[]>>;
}

async function freshBus(): Promise<Bus> {
  const config = awsClientConfig();
  const client = new EventBridgeClient(config);
  const sqs = new SQSClient(config);
  const name = `sluice-${randomUUID()}`;
  await client.send(new CreateEventBusCommand({ Name: name }));

  async function route(pattern: object) {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `events-${randomUUID()}` }));
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["QueueArn"] }),
    );
    const queueArn = Attributes?.QueueArn;
    const rule = `to-queue-${randomUUID()}`;
    const { RuleArn } = await client.send(
      new PutRuleCommand({ Name: rule, EventBusName: name, EventPattern: JSON.stringify(pattern) }),
    );
    // moto does not enforce it, but AWS drops deliveries to a queue whose policy does not allow them.
    const Policy = JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Service: "events.amazonaws.com" },
          Action: "sqs:SendMessage",
          Resource: queueArn,
          Condition: { ArnEquals: { "aws:SourceArn": RuleArn } },
        },
      ],
    });
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { Policy } }));
    await client.send(
      new PutTargetsCommand({ Rule: rule, EventBusName: name, Targets: [{ Id: "queue", Arn: queueArn }] }),
    );
    return (count: number) => receive(sqs, QueueUrl as string, count);
  }

  return { client, name, route };
}

/**
 * Reads the queue until `count` messages came, then once more without waiting so that any
 * message beyond them is returned too. Attempts are bounded, not timed.
 */
async function receive(sqs: SQSClient, QueueUrl: string, count: number): Promise<Envelope[]> {
  const received: Envelope[] = [];
  for (let attempt = 0; attempt < 30; attempt++) {
    const done = received.length >= count;
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: done ? 0 : 1 }),
    );
    if (Messages.length === 0 && done) break;
    received.push(...Messages.map((m) => JSON.parse(m.Body ?? "") as Envelope));
    if (Messages.length > 0) {
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl,
          Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
        }),
      );
    }
  }
  return received;
}

/** What EventBridge counts against its 256 KB limit, computed here independently of the adapter. */
function requestSize(entries: readonly PutEventsRequestEntry[]): number {
  const bytes = (s = "") => Buffer.byteLength(s, "utf8");
  return entries.reduce(
    (sum, e) => sum + (e.Time ? 14 : 0) + bytes(e.Source) + bytes(e.DetailType) + bytes(e.Detail),
    0,
  );
}

function putEventsCalls(spy: { mock: { calls: unknown[][] } }): PutEventsRequestEntry[][] {
  return spy.mock.calls
    .map(([command]) => command)
    .filter((command): command is PutEventsCommand => command instanceof PutEventsCommand)
    .map((command) => command.input.Entries ?? []);
}

eventSinkContract("EventBridge on moto", async () => {
  const bus = await freshBus();
  const read = await bus.route({ source: ["sluice"] });
  return {
    sink: new EventBridgeEventSink({ client: bus.client, eventBusName: bus.name }),
    delivered: async (count) => (await read(count)).map((envelope) => envelope.detail),
  };
});

describe("EventBridgeEventSink", () => {
  const mix = Array.from({ length: 23 }, (_, n) =>
    n % 3 === 0
      ? event(apps, n, { type: "Warning", reason: "ReconciliationFailed", message: `failed ${n}` })
      : n % 3 === 1
        ? event(apps, n, { revision: `main@sha1:${n}` })
        : event(podinfo, n, { reason: "ArtifactUpdated", revision: `main@sha1:${n}` }),
  );

  it("routes exactly the events a rule on detail-type matches, in batches of at most 10", async () => {
    const bus = await freshBus();
    const read = await bus.route({ source: ["sluice"], "detail-type": ["ReconciliationSucceeded"] });
    const send = vi.spyOn(bus.client, "send");

    await new EventBridgeEventSink({ client: bus.client, eventBusName: bus.name }).publish(mix);

    expect(putEventsCalls(send).map((entries) => entries.length)).toEqual([10, 10, 3]);
    const expected = mix.filter((e) => e.reason === "ReconciliationSucceeded");
    const envelopes = await read(expected.length);
    expect(envelopes.map((e) => e.detail).sort((a, b) => a.timestamp - b.timestamp)).toEqual(expected);
    for (const envelope of envelopes) {
      expect(envelope.source).toBe("sluice");
      expect(envelope["detail-type"]).toBe("ReconciliationSucceeded");
      expect(Date.parse(envelope.time)).toBe(Math.floor(envelope.detail.timestamp / 1000) * 1000);
    }
  });

  it("lets rules match on kind, namespace, name and type in the detail", async () => {
    const bus = await freshBus();
    const read = await bus.route({
      source: ["custom"],
      detail: {
        key: { kind: ["Kustomization"], namespace: ["flux-system"], name: ["apps"] },
        type: ["Warning"],
      },
    });
    const sink = new EventBridgeEventSink({ client: bus.client, eventBusName: bus.name, source: "custom" });
    await sink.publish(mix);
    const expected = mix.filter((e) => e.type === "Warning");
    expect(expected.length).toBeGreaterThan(0);
    const got = (await read(expected.length)).map((e) => e.detail);
    expect(got.sort((a, b) => a.timestamp - b.timestamp)).toEqual(expected);
  });

  it("keeps every request under EventBridge's 256 KB, counting UTF-8 bytes", async () => {
    const bus = await freshBus();
    const read = await bus.route({ source: ["sluice"] });
    const send = vi.spyOn(bus.client, "send");
    // Three bytes per character: 9 events of 90 KB fit the entry count but not the size.
    const large = Array.from({ length: 9 }, (_, n) =>
      event(apps, n, { message: `${n}${"€".repeat(30_000)}` }),
    );

    await new EventBridgeEventSink({ client: bus.client, eventBusName: bus.name }).publish(large);

    const calls = putEventsCalls(send);
    expect(calls.flat()).toHaveLength(large.length);
    for (const entries of calls) expect(requestSize(entries)).toBeLessThan(256 * 1024);
    expect(calls.length).toBeGreaterThanOrEqual(Math.ceil(requestSize(calls.flat()) / (256 * 1024)));
    expect(await read(large.length)).toHaveLength(large.length);
  });

  it("reports entries EventBridge refused, after sending the rest", async () => {
    const bus = await freshBus();
    const read = await bus.route({ source: ["sluice"] });
    const sink = new EventBridgeEventSink({ client: bus.client, eventBusName: bus.name });
    const error = await sink
      .publish([event(apps, 1), event(apps, 2, { reason: "" }), event(apps, 3)])
      .catch((e: unknown) => e);
    expect(isPortError(error, "Invalid")).toBe(true);
    expect((error as Error).message).toMatch(/^1 of 3 events were not published/);
    expect((await read(2)).map((e) => e.detail)).toEqual([event(apps, 1), event(apps, 3)]);
  });

  it("refuses an event larger than a whole request before sending any", async () => {
    const bus = await freshBus();
    const send = vi.spyOn(bus.client, "send");
    const sink = new EventBridgeEventSink({ client: bus.client, eventBusName: bus.name });
    const huge = event(apps, 2, { message: "x".repeat(256 * 1024) });
    const error = await sink.publish([event(apps, 1), huge]).catch((e: unknown) => e);
    expect(isPortError(error, "Invalid")).toBe(true);
    expect(putEventsCalls(send)).toEqual([]);
  });
});

// ---- the DynamoDB event log on moto ------------------------------------------------------------

async function dynamoLog(clock?: { now(): number }, maxAgeMs?: number): Promise<DynamoDbEventLog> {
  const client = new DynamoDBClient(awsClientConfig());
  const tableName = `events-${randomUUID()}`;
  await createEventTable(client, tableName);
  return new DynamoDbEventLog({
    client,
    tableName,
    ...(clock ? { clock } : {}),
    ...(maxAgeMs ? { maxAgeMs } : {}),
  });
}

eventSinkContract("DynamoDbEventLog on moto", async () => {
  const log = await dynamoLog();
  return { sink: log, delivered: async () => log.list({}) };
});

eventLogContract("DynamoDbEventLog on moto", async () => {
  const log = await dynamoLog();
  return { sink: log, log };
});

describe("DynamoDbEventLog", () => {
  const DAY = 24 * 60 * 60 * 1000;

  it("lists every object's events across days, newest last, and stops at the limit", async () => {
    const now = Date.parse("2026-11-24T23:58:00Z");
    const log = await dynamoLog({ now: () => now });
    const at = (key: ObjectKey, time: number) => event(key, time - NOW);
    const spread = [
      at(podinfo, now - 3 * DAY),
      at(apps, now - DAY),
      at(podinfo, now - 60_000),
      // From a function whose clock runs a little ahead: already in tomorrow's partition.
      at(apps, now + 3 * 60_000),
    ];
    expect(new Set(spread.map((e) => dayOf(e.timestamp))).size).toBe(4);
    await log.publish(spread);
    expect(await log.list({})).toEqual(spread);
    expect(await log.list({ limit: 2 })).toEqual(spread.slice(2));
    expect(await log.list({ since: now - 2 * DAY })).toEqual(spread.slice(1));
  });

  it("never lists events older than its retention, though TTL may not have deleted them yet", async () => {
    let now = NOW;
    const log = await dynamoLog({ now: () => now }, 60_000);
    await log.publish([event(apps, 0), event(podinfo, 1)]);
    expect(await log.list({})).toHaveLength(2);
    now += 120_000;
    expect(await log.list({})).toEqual([]);
    expect(await log.list({ key: apps })).toEqual([]);
  });

  it("names the table when it cannot be read", async () => {
    const log = new DynamoDbEventLog({
      client: new DynamoDBClient(awsClientConfig()),
      tableName: `absent-${randomUUID()}`,
    });
    const error = await log.list({}).catch((e: unknown) => e);
    expect(isPortError(error, "Invalid")).toBe(true);
    expect((error as Error).message).toMatch(/list events in absent-/);
  });
});
