import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { CreateEventBusCommand, EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { SQSClient } from "@aws-sdk/client-sqs";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { DynamoDbEventLog } from "../shared/adapters/aws/dynamodb-event-log.ts";
import { DynamoDbStateStore } from "../shared/adapters/aws/dynamodb-state-store.ts";
import { createEventTable } from "../shared/adapters/aws/event-table.ts";
import { EventBridgeEventSink } from "../shared/adapters/aws/eventbridge-event-sink.ts";
import { SqsWorkQueue } from "../shared/adapters/aws/sqs-work-queue.ts";
import { createStateTable } from "../shared/adapters/aws/state-table.ts";
import { createWorkQueues } from "../shared/adapters/aws/work-queue-setup.ts";
import { fanOutEventSink } from "../shared/adapters/fan-out-event-sink.ts";
import { openDatabase } from "../shared/adapters/local/database.ts";
import { SqliteEventLog } from "../shared/adapters/local/sqlite-event-log.ts";
import { SqliteStateStore } from "../shared/adapters/local/sqlite-state-store.ts";
import { SqliteWorkQueue } from "../shared/adapters/local/sqlite-work-queue.ts";
import type { Clock, EventSink, PutObjectInput, StateStore, WorkQueue } from "../shared/ports/index.ts";
import type { MotoInfo } from "../test/env/moto.ts";
import { seedStateTable } from "./aws-seed.ts";

/** One installation's ports on one adapter set, fresh for each measurement. */
export interface Backend {
  readonly state: StateStore;
  readonly queue: WorkQueue;
  readonly events: EventSink;
  /** Bulk registration for setup, where putObject one by one is too slow (moto); else absent. */
  readonly seed?: (objects: readonly PutObjectInput[]) => Promise<void>;
  close(): Promise<void>;
}

/** The object every measurement registers: a Bench kind with an empty spec. */
export function benchObject(name: string): PutObjectInput {
  return {
    key: { kind: "Bench", namespace: "bench", name },
    apiVersion: "bench.sluice.dev/v1",
    metadata: {},
    spec: {},
  };
}

export type BackendFactory = (clock: Clock) => Promise<Backend>;

/** The local runtime's adapters: SQLite (WAL) on a file in a temporary folder. */
export const localBackend: BackendFactory = async (clock) => {
  const dir = await mkdtemp(join(tmpdir(), "sluice-bench-"));
  const database = openDatabase({ path: join(dir, "sluice.db") });
  return {
    state: new SqliteStateStore({ database, clock }),
    queue: new SqliteWorkQueue({ database, clock, maxAttempts: 5 }),
    events: new SqliteEventLog({ database, clock }),
    async close() {
      database.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
};

/** DynamoDB (state and event tables), SQS FIFO and EventBridge on moto, created under a unique name (as the stack does). */
export function awsBackend(moto: MotoInfo): BackendFactory {
  const config = {
    endpoint: moto.endpoint,
    region: moto.region,
    credentials: { accessKeyId: moto.accessKeyId, secretAccessKey: moto.secretAccessKey },
  };
  return async (clock) => {
    const name = `sluice-bench-${randomUUID().slice(0, 8)}`;
    const dynamo = new DynamoDBClient(config);
    const sqs = new SQSClient(config);
    const eventBridge = new EventBridgeClient(config);
    await Promise.all([createStateTable(dynamo, name), createEventTable(dynamo, `${name}-events`)]);
    const urls = await createWorkQueues(sqs, { name, maxAttempts: 5, visibilityTimeoutSeconds: 30 });
    await eventBridge.send(new CreateEventBusCommand({ Name: name }));
    return {
      state: new DynamoDbStateStore({ client: dynamo, tableName: name, clock }),
      queue: new SqsWorkQueue({ client: sqs, ...urls }),
      // As the functions publish: to the event table and the bus.
      events: fanOutEventSink([
        new DynamoDbEventLog({ client: dynamo, tableName: `${name}-events`, clock }),
        new EventBridgeEventSink({ client: eventBridge, eventBusName: name }),
      ]),
      seed: (objects) => seedStateTable(DynamoDBDocumentClient.from(dynamo), name, clock, objects),
      async close() {
        for (const client of [dynamo, sqs, eventBridge]) client.destroy();
      },
    };
  };
}

/** Runs `task` for every item with at most `limit` in flight; results are not kept. */
export async function forEachBounded<T>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await task(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}
