import { createHash, randomUUID } from "node:crypto";
import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  SendMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { PortError } from "../../ports/errors.ts";
import type {
  DeadLetter,
  OutgoingMessage,
  QueueMessage,
  ReceiveInput,
  WorkQueue,
} from "../../ports/queue.ts";
import { call } from "./sqs-errors.ts";

export interface SqsWorkQueueOptions {
  readonly client: SQSClient;
  /** A FIFO queue whose RedrivePolicy (maxReceiveCount = maxAttempts) targets `deadLetterQueueUrl`. */
  readonly queueUrl: string;
  /** The FIFO dead-letter queue. */
  readonly deadLetterQueueUrl: string;
  /**
   * How long listDeadLetters hides what it peeks before making it visible again; only matters
   * when the listing is cut short (the process dies), since it restores visibility when done.
   * @default 30
   */
  readonly peekVisibilitySeconds?: number;
}

/** SQS's hard ceiling on a visibility timeout: 12 hours. */
const MAX_VISIBILITY_SECONDS = 43_200;
const MAX_WAIT_SECONDS = 20;
const BATCH_SIZE = 10;
const ATTRIBUTE_PREFIX = "Sluice.";
const GROUP_ATTRIBUTE = "Sluice.GroupId";
const ID_ATTRIBUTE = "Sluice.MessageId";
const REASON_ATTRIBUTE = "Sluice.Reason";
const ATTEMPTS_ATTRIBUTE = "Sluice.Attempts";

/**
 * The work queue on an SQS FIFO queue: MessageGroupId is the group, MessageDeduplicationId the
 * dedupId, and the queue's RedrivePolicy does the dead-lettering after maxAttempts receives.
 *
 * Like SQS itself, one receive may return several messages of the same group, oldest first:
 * handle them in that order and, after the first one that is retried, retry the rest too.
 *
 * A stale receipt handle (its visibility ran out and the message was received again) makes
 * ack, retry and deadLetter fail with a `Conflict` PortError: the newer delivery owns the work.
 */
export class SqsWorkQueue implements WorkQueue {
  readonly #client: SQSClient;
  readonly #queueUrl: string;
  readonly #deadLetterQueueUrl: string;
  readonly #peekVisibilitySeconds: number;
  #maxReceiveCount: Promise<number | undefined> | undefined;

  constructor(options: SqsWorkQueueOptions) {
    this.#client = options.client;
    this.#queueUrl = options.queueUrl;
    this.#deadLetterQueueUrl = options.deadLetterQueueUrl;
    this.#peekVisibilitySeconds = options.peekVisibilitySeconds ?? 30;
  }

  async send(messages: readonly OutgoingMessage[]): Promise<void> {
    // Batches go out one after another so that a group's messages keep their order.
    for (let start = 0; start < messages.length; start += BATCH_SIZE) {
      const batch = messages.slice(start, start + BATCH_SIZE);
      const entries: SendMessageBatchRequestEntry[] = batch.map((message, index) => ({
        Id: String(index),
        MessageBody: message.body,
        MessageGroupId: sqsToken(message.groupId),
        // A random id keeps distinct requests apart even on a queue with content-based dedup,
        // while the SDK's own retries of this request reuse it and so cannot duplicate.
        MessageDeduplicationId: message.dedupId === undefined ? randomUUID() : sqsToken(message.dedupId),
        MessageAttributes: groupAttribute(message.groupId),
      }));
      const sent = await call(() =>
        this.#client.send(new SendMessageBatchCommand({ QueueUrl: this.#queueUrl, Entries: entries })),
      );
      const failed = sent.Failed ?? [];
      if (failed.length > 0) {
        const details = failed.map((f) => `${batch[Number(f.Id)]?.groupId}: ${f.Code} ${f.Message ?? ""}`);
        throw new PortError(
          failed.every((f) => f.SenderFault) ? "Invalid" : "Transient",
          `SQS refused ${failed.length} of ${messages.length} messages (${details.join("; ")}); the rest of ` +
            `their batch and the ${start} before it were sent, the ${messages.length - start - batch.length} after it were not`,
        );
      }
    }
  }

  async receive(input: ReceiveInput): Promise<QueueMessage[]> {
    if (input.max < 1) return [];
    const received = await call(() =>
      this.#client.send(
        new ReceiveMessageCommand({
          QueueUrl: this.#queueUrl,
          MaxNumberOfMessages: Math.min(BATCH_SIZE, Math.trunc(input.max)),
          VisibilityTimeout: seconds(input.visibilityMs),
          WaitTimeSeconds: Math.min(MAX_WAIT_SECONDS, seconds(input.waitMs ?? 0)),
          MessageSystemAttributeNames: ["ApproximateReceiveCount", "MessageGroupId"],
          MessageAttributeNames: [GROUP_ATTRIBUTE],
          // If the response is lost, the SDK's retry gets the same messages instead of leaving
          // them (and their groups) hidden for a whole visibility timeout.
          ReceiveRequestAttemptId: randomUUID(),
        }),
      ),
    );
    return (received.Messages ?? []).map(toQueueMessage);
  }

  async ack(message: QueueMessage): Promise<void> {
    await call(() =>
      this.#client.send(
        new DeleteMessageCommand({ QueueUrl: this.#queueUrl, ReceiptHandle: message.handle }),
      ),
    );
  }

  async retry(message: QueueMessage, delayMs: number): Promise<void> {
    await call(() =>
      this.#client.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: this.#queueUrl,
          ReceiptHandle: message.handle,
          VisibilityTimeout: seconds(delayMs),
        }),
      ),
    );
  }

  /**
   * Sends a copy to the DLQ, then deletes the original. The copy's dedup id is the message id,
   * so repeating a deadLetter that failed half way does not bury the message twice. Should the
   * delete fail (a stale handle: `Conflict`), the copy stays and the newer delivery goes on.
   */
  async deadLetter(message: QueueMessage, reason: string): Promise<void> {
    await call(() =>
      this.#client.send(
        new SendMessageCommand({
          QueueUrl: this.#deadLetterQueueUrl,
          MessageBody: message.body,
          MessageGroupId: sqsToken(message.groupId),
          MessageDeduplicationId: sqsToken(message.id),
          MessageAttributes: {
            ...groupAttribute(message.groupId),
            [ID_ATTRIBUTE]: { DataType: "String", StringValue: message.id },
            [ATTEMPTS_ATTRIBUTE]: { DataType: "Number", StringValue: String(message.attempts) },
            [REASON_ATTRIBUTE]: { DataType: "String", StringValue: reason.slice(0, 4096) || "(no reason)" },
          },
        }),
      ),
    );
    await this.ack(message);
  }

  /**
   * SQS has no read-only peek, so this receives the DLQ's messages with a visibility timeout
   * (keeping later calls of the scan from seeing them twice) and then makes them visible again.
   * The trade-offs: every listing counts as a receive of each message; while it runs (or for
   * `peekVisibilitySeconds` if it dies) those messages are hidden from other DLQ consumers; and
   * as the DLQ is FIFO, a group with more than ten dead letters may show only its first ten.
   * Order is by SentTimestamp: when the message entered the DLQ (SQS resets a FIFO message's
   * enqueue time when it redrives it; moto keeps the original send time).
   */
  async listDeadLetters(limit: number): Promise<DeadLetter[]> {
    const peeked = new Map<string, Message>();
    const scanFailure = await this.#peek(peeked, limit).then(
      () => undefined,
      (error: unknown) => error ?? new Error("listing dead letters failed"),
    );
    try {
      await this.#makeVisible([...peeked.values()]);
    } catch (error) {
      if (scanFailure === undefined) throw error;
      throw new PortError("Transient", `listing dead letters failed, then so did restoring them: ${error}`, {
        cause: scanFailure,
      });
    }
    if (scanFailure !== undefined) throw scanFailure;
    const messages = [...peeked.values()].sort((a, b) => sentAt(a) - sentAt(b));
    const redriven = messages.some((m) => stringAttribute(m, REASON_ATTRIBUTE) === undefined);
    const maxReceiveCount = redriven ? await this.#redriveMaxReceiveCount() : undefined;
    return messages.map((m) => toDeadLetter(m, maxReceiveCount));
  }

  async #peek(peeked: Map<string, Message>, limit: number): Promise<void> {
    while (peeked.size < limit) {
      const received = await call(() =>
        this.#client.send(
          new ReceiveMessageCommand({
            QueueUrl: this.#deadLetterQueueUrl,
            MaxNumberOfMessages: Math.min(BATCH_SIZE, limit - peeked.size),
            VisibilityTimeout: this.#peekVisibilitySeconds,
            MessageSystemAttributeNames: ["MessageGroupId", "SentTimestamp"],
            MessageAttributeNames: [`${ATTRIBUTE_PREFIX}*`],
            ReceiveRequestAttemptId: randomUUID(),
          }),
        ),
      );
      // A message seen twice means the scan outlasted its own peek: everything has been seen.
      const fresh = (received.Messages ?? []).filter((m) => m.MessageId && !peeked.has(m.MessageId));
      if (fresh.length === 0) return;
      for (const message of fresh) peeked.set(message.MessageId as string, message);
    }
  }

  async #makeVisible(messages: readonly Message[]): Promise<void> {
    for (let start = 0; start < messages.length; start += BATCH_SIZE) {
      const entries = messages.slice(start, start + BATCH_SIZE).map((m, index) => ({
        Id: String(index),
        ReceiptHandle: m.ReceiptHandle,
        VisibilityTimeout: 0,
      }));
      const changed = await call(() =>
        this.#client.send(
          new ChangeMessageVisibilityBatchCommand({ QueueUrl: this.#deadLetterQueueUrl, Entries: entries }),
        ),
      );
      const failed = changed.Failed ?? [];
      if (failed.length > 0)
        throw new PortError(
          "Transient",
          `${failed.length} dead letters stay hidden until their peek times out: ${failed.map((f) => f.Code).join(", ")}`,
        );
    }
  }

  /** The queue's own redrive policy says how many receives a redriven message had. */
  #redriveMaxReceiveCount(): Promise<number | undefined> {
    this.#maxReceiveCount ??= call(() =>
      this.#client.send(
        new GetQueueAttributesCommand({ QueueUrl: this.#queueUrl, AttributeNames: ["RedrivePolicy"] }),
      ),
    ).then(
      (got) => {
        const policy = got.Attributes?.RedrivePolicy;
        const count = policy === undefined ? Number.NaN : Number(JSON.parse(policy).maxReceiveCount);
        return Number.isInteger(count) ? count : undefined;
      },
      (error: unknown) => {
        this.#maxReceiveCount = undefined;
        throw error;
      },
    );
    return this.#maxReceiveCount;
  }
}

/** The subset of an `aws-lambda` SQSRecord the worker needs. */
export interface SqsRecord {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  readonly attributes: { readonly ApproximateReceiveCount: string; readonly MessageGroupId?: string };
  readonly messageAttributes?: Readonly<Record<string, { readonly stringValue?: string }>>;
}

/** A message of an SQS event (the worker Lambda's input) as the queue would have received it. */
export function fromSqsRecord(record: SqsRecord): QueueMessage {
  const groupId =
    record.messageAttributes?.[GROUP_ATTRIBUTE]?.stringValue ?? record.attributes.MessageGroupId;
  if (groupId === undefined)
    throw new PortError(
      "Invalid",
      `SQS record ${record.messageId} has no MessageGroupId: not from a FIFO queue`,
    );
  return {
    id: record.messageId,
    groupId,
    body: record.body,
    attempts: Number(record.attributes.ApproximateReceiveCount),
    handle: record.receiptHandle,
  };
}

function toQueueMessage(message: Message): QueueMessage {
  const groupId = stringAttribute(message, GROUP_ATTRIBUTE) ?? message.Attributes?.MessageGroupId;
  if (!message.MessageId || !message.ReceiptHandle || groupId === undefined)
    throw new PortError(
      "Invalid",
      "SQS returned a message without id, receipt handle or group: not a FIFO queue?",
    );
  return {
    id: message.MessageId,
    groupId,
    body: message.Body ?? "",
    attempts: Number(message.Attributes?.ApproximateReceiveCount ?? 1),
    handle: message.ReceiptHandle,
  };
}

function toDeadLetter(message: Message, maxReceiveCount: number | undefined): DeadLetter {
  const attempts = stringAttribute(message, ATTEMPTS_ATTRIBUTE);
  return {
    id: stringAttribute(message, ID_ATTRIBUTE) ?? message.MessageId ?? "",
    groupId: stringAttribute(message, GROUP_ATTRIBUTE) ?? message.Attributes?.MessageGroupId ?? "",
    body: message.Body ?? "",
    attempts: attempts === undefined ? (maxReceiveCount ?? 0) : Number(attempts),
    reason:
      stringAttribute(message, REASON_ATTRIBUTE) ??
      `received ${maxReceiveCount ?? "maxReceiveCount"} times without success (the queue's redrive policy)`,
  };
}

function stringAttribute(message: Message, name: string): string | undefined {
  return message.MessageAttributes?.[name]?.StringValue;
}

function sentAt(message: Message): number {
  return Number(message.Attributes?.SentTimestamp ?? 0);
}

/** Whole seconds, rounded up so a short delay is never shortened to none, within SQS's 12 h cap. */
function seconds(ms: number): number {
  return Math.min(MAX_VISIBILITY_SECONDS, Math.max(0, Math.ceil(ms / 1000)));
}

/**
 * SQS group and dedup ids allow 1–128 printable ASCII characters; an object key can be longer
 * (names run to 253), so anything else is replaced by its SHA-256.
 */
function sqsToken(text: string): string {
  return /^[\x21-\x7e]{1,128}$/.test(text) ? text : createHash("sha256").update(text).digest("hex");
}

/** The real group id travels as an attribute only when MessageGroupId had to be hashed. */
function groupAttribute(groupId: string): Record<string, MessageAttributeValue> {
  return sqsToken(groupId) === groupId
    ? {}
    : { [GROUP_ATTRIBUTE]: { DataType: "String", StringValue: groupId } };
}
