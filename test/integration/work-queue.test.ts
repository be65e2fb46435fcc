import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { describe, expect, it, onTestFinished } from "vitest";
import { fromSqsRecord, SqsWorkQueue } from "../../shared/adapters/aws/sqs-work-queue.ts";
import { createWorkQueues } from "../../shared/adapters/aws/work-queue-setup.ts";
import { openDatabase } from "../../shared/adapters/local/database.ts";
import {
  SqliteWorkQueue,
  type SqliteWorkQueueOptions,
} from "../../shared/adapters/local/sqlite-work-queue.ts";
import type { QueueMessage, WorkQueue } from "../../shared/ports/queue.ts";
import { CONTRACT_MAX_ATTEMPTS, workQueueContract } from "../contract/work-queue.contract.ts";
import { awsClientConfig } from "../env/context.ts";
import { sqliteAdapterInWorker } from "../helpers/sqlite-in-worker.ts";
import { tempDir } from "../helpers/temp-dir.ts";

async function databaseFile(): Promise<string> {
  return join(await tempDir("sluice-queue-"), "sluice.db");
}

function sqliteQueue(path: string, options: Partial<SqliteWorkQueueOptions> = {}): SqliteWorkQueue {
  const database = openDatabase({ path });
  onTestFinished(() => database.close());
  return new SqliteWorkQueue({ database, maxAttempts: CONTRACT_MAX_ATTEMPTS, ...options });
}

function sqliteQueueInWorker(path: string): Promise<WorkQueue> {
  return sqliteAdapterInWorker<WorkQueue>({
    path,
    module: new URL("../../shared/adapters/local/sqlite-work-queue.ts", import.meta.url),
    className: "SqliteWorkQueue",
    options: { maxAttempts: CONTRACT_MAX_ATTEMPTS },
    methods: ["send", "receive", "ack", "retry", "deadLetter", "listDeadLetters"],
  });
}

workQueueContract("SqliteWorkQueue", async () => {
  const path = await databaseFile();
  return { queue: sqliteQueue(path), other: () => sqliteQueueInWorker(path) };
});

function sqsClient(): SQSClient {
  const client = new SQSClient(awsClientConfig());
  onTestFinished(() => client.destroy());
  return client;
}

async function sqsQueues(client: SQSClient) {
  return createWorkQueues(client, {
    name: `work-${randomUUID()}`,
    maxAttempts: CONTRACT_MAX_ATTEMPTS,
    visibilityTimeoutSeconds: 30,
  });
}

/**
 * moto 5.2.5 serves requests on threads and its ReceiveMessage takes no lock, so two receives
 * at the same instant can both hand out one FIFO message (a probe with 12 consumers saw it in
 * 2 runs of 10; the contract's 3 consumers in about 1 of 20). SQS itself never does, and our
 * adapter keeps no state between calls, so the consumers take turns at receiving only: each
 * has its own client and they still process, ack and retry concurrently.
 */
function takingTurnsAtReceive(queue: WorkQueue, turns: { last: Promise<unknown> }): WorkQueue {
  return {
    send: (messages) => queue.send(messages),
    receive: (input) => {
      const received = turns.last.then(() => queue.receive(input));
      turns.last = received.catch(() => undefined);
      return received;
    },
    ack: (message) => queue.ack(message),
    retry: (message, delayMs) => queue.retry(message, delayMs),
    deadLetter: (message, reason) => queue.deadLetter(message, reason),
    listDeadLetters: (limit) => queue.listDeadLetters(limit),
  };
}

workQueueContract("SqsWorkQueue (FIFO, on moto)", async () => {
  const client = sqsClient();
  const urls = await sqsQueues(client);
  const turns = { last: Promise.resolve<unknown>(undefined) };
  return {
    queue: takingTurnsAtReceive(new SqsWorkQueue({ client, ...urls }), turns),
    other: async () => takingTurnsAtReceive(new SqsWorkQueue({ client: sqsClient(), ...urls }), turns),
  };
});

async function receiveOne(queue: WorkQueue, visibilityMs = 60_000): Promise<QueueMessage> {
  for (;;) {
    const [message] = await queue.receive({ max: 1, visibilityMs, waitMs: 500 });
    if (message) return message;
  }
}

describe("SqliteWorkQueue", () => {
  it("keeps messages, deliveries and dead letters across closing and reopening the database", async () => {
    const path = await databaseFile();
    const database = openDatabase({ path });
    const before = new SqliteWorkQueue({ database, maxAttempts: CONTRACT_MAX_ATTEMPTS });
    await before.send([
      { groupId: "A", body: "a1" },
      { groupId: "A", body: "a2" },
      { groupId: "B", body: "b1" },
    ]);
    const a1 = await receiveOne(before);
    const b1 = await receiveOne(before);
    await before.deadLetter(b1, "corrupt body");
    database.close();

    const after = sqliteQueue(path);
    expect(await after.receive({ max: 10, visibilityMs: 60_000 })).toEqual([]);
    await after.ack(a1);
    expect((await after.receive({ max: 10, visibilityMs: 60_000 })).map((m) => m.body)).toEqual(["a2"]);
    expect(await after.listDeadLetters(10)).toEqual([
      { id: b1.id, groupId: "B", body: "b1", attempts: 1, reason: "corrupt body" },
    ]);
  });

  it("refuses acks and retries of a delivery whose visibility ran out and that was received again", async () => {
    const queue = sqliteQueue(await databaseFile());
    await queue.send([{ groupId: "A", body: "slow" }]);
    const first = await receiveOne(queue, 1_000);
    const second = await receiveOne(queue);
    expect(second.attempts).toBe(2);
    await expect(queue.ack(first)).rejects.toMatchObject({ name: "PortError", reason: "Conflict" });
    await expect(queue.retry(first, 0)).rejects.toMatchObject({ reason: "Conflict" });
    await expect(queue.deadLetter(first, "late")).rejects.toMatchObject({ reason: "Conflict" });
    await queue.ack(second);
    await queue.ack(second);
    expect(await queue.listDeadLetters(10)).toEqual([]);
  });

  it("remembers a dedupId for the window after its first send, even once the message is acked", async () => {
    let now = 1_000_000;
    const queue = sqliteQueue(await databaseFile(), { clock: { now: () => now }, dedupWindowMs: 300_000 });
    const send = () => queue.send([{ groupId: "A", body: "build", dedupId: "Kustomization/apps@3" }]);
    await send();
    await queue.ack(await receiveOne(queue));
    now += 299_999;
    await send();
    expect(await queue.receive({ max: 10, visibilityMs: 60_000 })).toEqual([]);
    now += 1;
    await send();
    expect((await queue.receive({ max: 10, visibilityMs: 60_000 })).map((m) => m.body)).toEqual(["build"]);
  });
});

describe("SqsWorkQueue", () => {
  it("creates a FIFO queue whose redrive policy sends to a FIFO dead-letter queue", async () => {
    const client = sqsClient();
    const urls = await sqsQueues(client);
    const attributes = async (QueueUrl: string) =>
      (await client.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["All"] }))).Attributes ??
      {};
    const queue = await attributes(urls.queueUrl);
    const dlq = await attributes(urls.deadLetterQueueUrl);
    expect(queue.FifoQueue).toBe("true");
    expect(dlq.FifoQueue).toBe("true");
    expect(JSON.parse(queue.RedrivePolicy ?? "{}")).toEqual({
      deadLetterTargetArn: dlq.QueueArn,
      maxReceiveCount: CONTRACT_MAX_ATTEMPTS,
    });
  });

  it("turns a Lambda SQS record into a message the queue can ack", async () => {
    const client = sqsClient();
    const urls = await sqsQueues(client);
    const queue = new SqsWorkQueue({ client, ...urls });
    await queue.send([{ groupId: "Kustomization/flux-system/apps", body: "work" }]);
    const received = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: urls.queueUrl,
        WaitTimeSeconds: 1,
        MessageSystemAttributeNames: ["All"],
        MessageAttributeNames: ["All"],
      }),
    );
    const [raw] = received.Messages ?? [];
    // The shape Lambda's event source mapping hands the worker.
    const record = {
      messageId: raw?.MessageId ?? "",
      receiptHandle: raw?.ReceiptHandle ?? "",
      body: raw?.Body ?? "",
      attributes: {
        ApproximateReceiveCount: raw?.Attributes?.ApproximateReceiveCount ?? "",
        MessageGroupId: raw?.Attributes?.MessageGroupId,
      },
      messageAttributes: {},
    };
    const message = fromSqsRecord(record);
    expect(message).toMatchObject({ groupId: "Kustomization/flux-system/apps", body: "work", attempts: 1 });
    await queue.ack(message);
    expect(await queue.receive({ max: 10, visibilityMs: 0, waitMs: 1_000 })).toEqual([]);
  });

  it("keeps a group id longer than SQS allows intact", async () => {
    const client = sqsClient();
    const queue = new SqsWorkQueue({ client, ...(await sqsQueues(client)) });
    const groupId = `Kustomization/flux-system/${"n".repeat(200)}`;
    await queue.send([{ groupId, body: "long" }]);
    const message = await receiveOne(queue);
    expect(message.groupId).toBe(groupId);
    await queue.deadLetter(message, "for the listing");
    expect((await queue.listDeadLetters(10)).map((l) => l.groupId)).toEqual([groupId]);
  });

  it("maps a missing queue to a NotFound PortError", async () => {
    const client = sqsClient();
    const urls = await sqsQueues(client);
    const queue = new SqsWorkQueue({ client, queueUrl: `${urls.queueUrl}-gone`, deadLetterQueueUrl: "" });
    await expect(queue.receive({ max: 1, visibilityMs: 1_000 })).rejects.toMatchObject({
      name: "PortError",
      reason: "NotFound",
    });
  });
});
