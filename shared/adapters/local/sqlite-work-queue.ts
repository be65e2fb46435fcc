import { randomUUID } from "node:crypto";
import type { DatabaseSync, SQLOutputValue, StatementSync } from "node:sqlite";
import { setTimeout as sleep } from "node:timers/promises";
import { type Clock, systemClock } from "../../ports/clock.ts";
import { PortError } from "../../ports/errors.ts";
import type {
  DeadLetter,
  OutgoingMessage,
  QueueMessage,
  ReceiveInput,
  WorkQueue,
} from "../../ports/queue.ts";

export interface SqliteWorkQueueOptions {
  /** The installation's database (see openDatabase); the queue keeps its rows in `queue_*` tables. */
  readonly database: DatabaseSync;
  /** A message received this many times without an ack goes to the dead letters on the next receive. */
  readonly maxAttempts: number;
  /** @default systemClock */
  readonly clock?: Clock;
  /** How long a dedupId is remembered after its first send. @default 300_000 (SQS's five minutes) */
  readonly dedupWindowMs?: number;
  /** How often a long-polling receive looks at the table again. @default 50 */
  readonly pollIntervalMs?: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS queue_messages (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  group_id TEXT NOT NULL,
  body TEXT NOT NULL,
  dedup_id TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  handle TEXT,
  visible_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS queue_messages_by_group ON queue_messages (group_id, seq);
CREATE INDEX IF NOT EXISTS queue_messages_by_dedup ON queue_messages (dedup_id) WHERE dedup_id IS NOT NULL;
CREATE TABLE IF NOT EXISTS queue_dedup (
  dedup_id TEXT PRIMARY KEY,
  expires_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS queue_dead_letters (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL,
  group_id TEXT NOT NULL,
  body TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  reason TEXT NOT NULL
);
`;

interface MessageRow {
  readonly id: string;
  readonly groupId: string;
  readonly body: string;
  readonly attempts: number;
}

/**
 * A durable FIFO work queue in SQLite with SQS FIFO's semantics, for the local runtime.
 *
 * Only the oldest message of a group (its head) can be delivered, and only once its
 * `visible_at` has passed: an in-flight or retry-delayed head therefore blocks its whole group,
 * which is how per-group order and "never two at once" fall out of one query. Each receive
 * hands out at most one message per group.
 *
 * Every operation is one `BEGIN IMMEDIATE` transaction that never spans an await, so several
 * connections (threads or processes) on the same file can consume at once.
 *
 * A delivery is identified by its handle. Acking, retrying or dead-lettering with a handle that
 * is no longer the message's current one (its visibility ran out and someone received it again)
 * fails with a `Conflict` PortError: the work belongs to the newer delivery now. Acking a message
 * that is already gone is a no-op, so an ack may be repeated safely.
 */
export class SqliteWorkQueue implements WorkQueue {
  readonly #db: DatabaseSync;
  readonly #maxAttempts: number;
  readonly #clock: Clock;
  readonly #dedupWindowMs: number;
  readonly #pollIntervalMs: number;
  readonly #sql: ReturnType<typeof prepare>;

  constructor(options: SqliteWorkQueueOptions) {
    if (!Number.isInteger(options.maxAttempts) || options.maxAttempts < 1)
      throw new PortError("Invalid", `maxAttempts must be a positive integer, got ${options.maxAttempts}`);
    this.#db = options.database;
    this.#maxAttempts = options.maxAttempts;
    this.#clock = options.clock ?? systemClock;
    this.#dedupWindowMs = options.dedupWindowMs ?? 300_000;
    this.#pollIntervalMs = options.pollIntervalMs ?? 50;
    this.#db.exec(SCHEMA);
    this.#sql = prepare(this.#db);
  }

  async send(messages: readonly OutgoingMessage[]): Promise<void> {
    this.#transaction(() => {
      const now = this.#clock.now();
      this.#sql.forgetExpiredDedup.run(now);
      for (const message of messages) {
        const dedupId = message.dedupId ?? null;
        if (dedupId !== null) {
          if (this.#sql.waitingWithDedup.get(dedupId)) continue;
          const remembered = this.#sql.rememberDedup.run(dedupId, now + this.#dedupWindowMs);
          if (remembered.changes === 0) continue;
        }
        this.#sql.insert.run(randomUUID(), message.groupId, message.body, dedupId, now);
      }
    });
  }

  async receive(input: ReceiveInput): Promise<QueueMessage[]> {
    const deadline = performance.now() + (input.waitMs ?? 0);
    for (;;) {
      const received = this.#transaction(() => this.#receiveNow(input));
      if (received.length > 0 || performance.now() >= deadline) return received;
      await sleep(Math.min(this.#pollIntervalMs, Math.max(0, deadline - performance.now())));
    }
  }

  async ack(message: QueueMessage): Promise<void> {
    this.#transaction(() => {
      if (this.#sql.deleteDelivery.run(message.id, message.handle).changes > 0) return;
      if (this.#sql.exists.get(message.id)) throw stale(message, "ack");
    });
  }

  async retry(message: QueueMessage, delayMs: number): Promise<void> {
    this.#transaction(() => {
      const visibleAt = this.#clock.now() + Math.max(0, delayMs);
      if (this.#sql.hideDelivery.run(visibleAt, message.id, message.handle).changes === 0)
        throw stale(message, "retry");
    });
  }

  async deadLetter(message: QueueMessage, reason: string): Promise<void> {
    this.#transaction(() => {
      const row = this.#sql.delivery.get(message.id, message.handle);
      if (!row) throw stale(message, "dead-letter");
      this.#bury(toMessageRow(row), reason);
    });
  }

  async listDeadLetters(limit: number): Promise<DeadLetter[]> {
    return this.#guard(() =>
      this.#sql.deadLetters.all(Math.max(0, limit)).map((row) => ({
        ...toMessageRow(row),
        reason: String(row.reason),
      })),
    );
  }

  #receiveNow(input: ReceiveInput): QueueMessage[] {
    const now = this.#clock.now();
    for (;;) {
      const heads = this.#sql.visibleHeads.all(now, Math.max(0, input.max)).map(toMessageRow);
      const exhausted = heads.filter((head) => head.attempts >= this.#maxAttempts);
      if (exhausted.length === 0) return heads.map((head) => this.#deliver(head, now, input.visibilityMs));
      // Burying a head unblocks its group, so look again: the next message may be deliverable.
      for (const head of exhausted)
        this.#bury(
          head,
          `received ${head.attempts} times without success (maxAttempts ${this.#maxAttempts})`,
        );
    }
  }

  #deliver(head: MessageRow, now: number, visibilityMs: number): QueueMessage {
    const handle = randomUUID();
    this.#sql.markDelivered.run(handle, now + Math.max(0, visibilityMs), head.id);
    return { id: head.id, groupId: head.groupId, body: head.body, attempts: head.attempts + 1, handle };
  }

  #bury(row: MessageRow, reason: string): void {
    this.#sql.insertDeadLetter.run(row.id, row.groupId, row.body, row.attempts, reason);
    this.#sql.deleteMessage.run(row.id);
  }

  #transaction<T>(work: () => T): T {
    return this.#guard(() => {
      this.#db.exec("BEGIN IMMEDIATE");
      try {
        const result = work();
        this.#db.exec("COMMIT");
        return result;
      } catch (error) {
        if (this.#db.isTransaction) this.#db.exec("ROLLBACK");
        throw error;
      }
    });
  }

  /** The one place SQLite errors become PortErrors: a lock held too long may clear on a retry. */
  #guard<T>(work: () => T): T {
    try {
      return work();
    } catch (error) {
      const code = (error as { errcode?: unknown }).errcode;
      // SQLITE_BUSY (5) and SQLITE_LOCKED (6), including their extended codes.
      if (typeof code === "number" && ((code & 0xff) === 5 || (code & 0xff) === 6))
        throw new PortError("Transient", "the queue database is locked by another connection", {
          cause: error,
        });
      throw error;
    }
  }
}

function prepare(db: DatabaseSync) {
  const statement = (sql: string): StatementSync => db.prepare(sql);
  return {
    forgetExpiredDedup: statement("DELETE FROM queue_dedup WHERE expires_at <= ?"),
    waitingWithDedup: statement("SELECT 1 FROM queue_messages WHERE dedup_id = ?"),
    rememberDedup: statement("INSERT OR IGNORE INTO queue_dedup (dedup_id, expires_at) VALUES (?, ?)"),
    insert: statement(
      "INSERT INTO queue_messages (id, group_id, body, dedup_id, visible_at) VALUES (?, ?, ?, ?, ?)",
    ),
    visibleHeads: statement(`
      SELECT m.id, m.group_id, m.body, m.attempts
      FROM (SELECT MIN(seq) AS seq FROM queue_messages GROUP BY group_id) AS heads
      JOIN queue_messages AS m ON m.seq = heads.seq
      WHERE m.visible_at <= ?
      ORDER BY m.seq
      LIMIT ?`),
    markDelivered: statement(
      "UPDATE queue_messages SET attempts = attempts + 1, handle = ?, visible_at = ? WHERE id = ?",
    ),
    exists: statement("SELECT 1 FROM queue_messages WHERE id = ?"),
    delivery: statement(
      "SELECT id, group_id, body, attempts FROM queue_messages WHERE id = ? AND handle = ?",
    ),
    deleteDelivery: statement("DELETE FROM queue_messages WHERE id = ? AND handle = ?"),
    hideDelivery: statement("UPDATE queue_messages SET visible_at = ? WHERE id = ? AND handle = ?"),
    deleteMessage: statement("DELETE FROM queue_messages WHERE id = ?"),
    insertDeadLetter: statement(
      "INSERT INTO queue_dead_letters (id, group_id, body, attempts, reason) VALUES (?, ?, ?, ?, ?)",
    ),
    deadLetters: statement(
      "SELECT id, group_id, body, attempts, reason FROM queue_dead_letters ORDER BY seq LIMIT ?",
    ),
  };
}

function toMessageRow(row: Record<string, SQLOutputValue>): MessageRow {
  return {
    id: String(row.id),
    groupId: String(row.group_id),
    body: String(row.body),
    attempts: Number(row.attempts),
  };
}

function stale(message: QueueMessage, action: string): PortError {
  return new PortError(
    "Conflict",
    `cannot ${action} message ${message.id}: this delivery is no longer current (its visibility ran out and it was received again, or it is gone)`,
  );
}
