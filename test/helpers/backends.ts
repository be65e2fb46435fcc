import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { CreateEventBusCommand, EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { SQSClient } from "@aws-sdk/client-sqs";
import { onTestFinished } from "vitest";
import { DynamoDbEventLog } from "../../shared/adapters/aws/dynamodb-event-log.ts";
import { DynamoDbStateStore } from "../../shared/adapters/aws/dynamodb-state-store.ts";
import { createEventTable } from "../../shared/adapters/aws/event-table.ts";
import { EventBridgeEventSink } from "../../shared/adapters/aws/eventbridge-event-sink.ts";
import { SqsWorkQueue } from "../../shared/adapters/aws/sqs-work-queue.ts";
import { createStateTable } from "../../shared/adapters/aws/state-table.ts";
import { createWorkQueues } from "../../shared/adapters/aws/work-queue-setup.ts";
import { fanOutEventSink } from "../../shared/adapters/fan-out-event-sink.ts";
import { openDatabase } from "../../shared/adapters/local/database.ts";
import { SqliteEventLog } from "../../shared/adapters/local/sqlite-event-log.ts";
import { SqliteStateStore } from "../../shared/adapters/local/sqlite-state-store.ts";
import { SqliteWorkQueue } from "../../shared/adapters/local/sqlite-work-queue.ts";
import type { Clock, EventLog, EventSink, StateStore, WorkQueue } from "../../shared/ports/index.ts";
import { awsClientConfig } from "../env/context.ts";
import { tempDir } from "./temp-dir.ts";

/** One installation's ports on one kind of backend, fresh for each test. */
export interface Backend {
  readonly state: StateStore;
  readonly queue: WorkQueue;
  readonly events: EventSink;
  /** Where the events published to `events` can be listed back. */
  readonly eventLog: EventLog;
}

export type BackendFactory = (clock: Clock, options?: { maxAttempts?: number }) => Promise<Backend>;

export const localBackend: BackendFactory = async (clock, options = {}) => {
  const database = openDatabase({ path: join(await tempDir("sluice-local-"), "sluice.db") });
  onTestFinished(() => database.close());
  const log = new SqliteEventLog({ database, clock });
  return {
    state: new SqliteStateStore({ database, clock }),
    queue: new SqliteWorkQueue({ database, clock, maxAttempts: options.maxAttempts ?? 5 }),
    events: log,
    eventLog: log,
  };
};

/** DynamoDB (state and event tables), SQS FIFO and EventBridge on moto, created per test under unique names. */
export const awsBackend: BackendFactory = async (clock, options = {}) => {
  const config = awsClientConfig();
  const name = `sluice-${randomUUID().slice(0, 8)}`;
  const dynamo = new DynamoDBClient(config);
  await Promise.all([createStateTable(dynamo, name), createEventTable(dynamo, `${name}-events`)]);
  const sqs = new SQSClient(config);
  const urls = await createWorkQueues(sqs, {
    name,
    maxAttempts: options.maxAttempts ?? 5,
    visibilityTimeoutSeconds: 30,
  });
  const eventBridge = new EventBridgeClient(config);
  await eventBridge.send(new CreateEventBusCommand({ Name: name }));
  const eventLog = new DynamoDbEventLog({ client: dynamo, tableName: `${name}-events`, clock });
  return {
    state: new DynamoDbStateStore({ client: dynamo, tableName: name, clock }),
    queue: new SqsWorkQueue({ client: sqs, ...urls }),
    // As the functions publish: to the event log and the bus.
    events: fanOutEventSink([
      eventLog,
      new EventBridgeEventSink({ client: eventBridge, eventBusName: name }),
    ]),
    eventLog,
  };
};

/** A clock tests move by hand. */
export function manualClock(start = Date.parse("2026-06-01T00:00:00Z")) {
  let now = start;
  return {
    now: () => now,
    advance(ms: number) {
      now += ms;
    },
  };
}
