/** A message to send. The queue is generic; the engine encodes its work requests in `body`. */
export interface OutgoingMessage {
  /**
   * Messages of one group are delivered in order and never two at once (SQS FIFO's
   * MessageGroupId). The engine uses the object key, so one object is never reconciled twice
   * at the same time while different objects run in parallel.
   */
  readonly groupId: string;
  readonly body: string;
  /**
   * A second message with the same id, sent while the first is still waiting (or within the
   * adapter's de-duplication window), is dropped. Omit it for no de-duplication.
   */
  readonly dedupId?: string;
}

export interface QueueMessage {
  readonly id: string;
  readonly groupId: string;
  readonly body: string;
  /** How many times this message has been received, this delivery included (1 on first). */
  readonly attempts: number;
  /** Opaque token for ack/retry/deadLetter of this delivery (SQS's receipt handle). */
  readonly handle: string;
}

export interface ReceiveInput {
  readonly max: number;
  /** How long received messages stay hidden from other receivers unless acked or retried. */
  readonly visibilityMs: number;
  /** Long-poll up to this long when nothing is ready; 0 or absent returns at once. */
  readonly waitMs?: number;
}

export interface DeadLetter {
  readonly id: string;
  readonly groupId: string;
  readonly body: string;
  readonly attempts: number;
  readonly reason: string;
}

/**
 * At-least-once work queue with per-group ordering. A message received more than the adapter's
 * `maxAttempts` times goes to the dead-letter queue instead of being delivered again.
 *
 * One receive may return several messages of one group, oldest first (SQS does; the SQLite
 * adapter returns one per group): handle them in order and, once one is retried, retry the
 * rest of that group too. A receive returns at most 10 messages. ack, retry and deadLetter
 * with a stale handle (the message was delivered again since) fail with a `Conflict` PortError.
 */
export interface WorkQueue {
  send(messages: readonly OutgoingMessage[]): Promise<void>;
  receive(input: ReceiveInput): Promise<QueueMessage[]>;
  /** Done: the message is removed for good. */
  ack(message: QueueMessage): Promise<void>;
  /** Not done: deliver it again after `delayMs` (backoff); the group stays blocked until then. */
  retry(message: QueueMessage, delayMs: number): Promise<void>;
  /** Give up on it now (a corrupt body, say): moved to the dead-letter queue with the reason. */
  deadLetter(message: QueueMessage, reason: string): Promise<void>;
  /** What is in the dead-letter queue, oldest first, for operators and tests. */
  listDeadLetters(limit: number): Promise<DeadLetter[]>;
}
