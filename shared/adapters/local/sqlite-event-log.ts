import type { DatabaseSync, SQLInputValue, StatementSync } from "node:sqlite";
import { type Clock, systemClock } from "../../ports/clock.ts";
import { PortError } from "../../ports/errors.ts";
import type { EventLog, EventQuery, EventSink, ReconcileEvent } from "../../ports/events.ts";
import { fanOutEventSink } from "../fan-out-event-sink.ts";

/** Called after a publish has been stored, with the events of that publish. */
export type PublishListener = (events: readonly ReconcileEvent[]) => void | Promise<void>;

export interface SqliteEventLogOptions {
  /** The installation's database (see `openDatabase`); this adapter keeps to `events_*` tables. */
  readonly database: DatabaseSync;
  /** Decides which events are too old to keep. @default systemClock */
  readonly clock?: Clock;
  /** Events kept per object; each publish drops that object's older ones. @default 100 */
  readonly retain?: number;
  /**
   * Events older than this are dropped on publish, so objects that were deleted (and so never
   * publish again) do not keep their events forever. @default 7 days
   */
  readonly maxAgeMs?: number;
}

interface EventRow {
  kind: string;
  namespace: string;
  name: string;
  type: "Normal" | "Warning";
  reason: string;
  message: string;
  timestamp: number;
  revision: string | null;
  metadata: string | null;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The local runtime's events: `publish` stores them (EventSink) and `list` reads them back for
 * `sluice events` (EventLog). Subscribers play the part EventBridge rules play on AWS: they are
 * told of every publish once it is stored, so the runtime can wake dependents and route alerts.
 * Retention is bounded per object and by age, so the table cannot grow without limit.
 */
export class SqliteEventLog implements EventSink, EventLog {
  readonly #db: DatabaseSync;
  readonly #clock: Clock;
  readonly #retain: number;
  readonly #maxAgeMs: number;
  readonly #listeners = new Set<PublishListener>();
  readonly #statements: Record<"insert" | "trim" | "expire", StatementSync>;

  constructor(options: SqliteEventLogOptions) {
    const retain = options.retain ?? 100;
    const maxAgeMs = options.maxAgeMs ?? 7 * DAY_MS;
    if (!Number.isInteger(retain) || retain < 1) throw new TypeError("SqliteEventLog: retain must be ≥ 1");
    if (!(maxAgeMs > 0)) throw new TypeError("SqliteEventLog: maxAgeMs must be > 0");
    this.#db = options.database;
    this.#clock = options.clock ?? systemClock;
    this.#retain = retain;
    this.#maxAgeMs = maxAgeMs;
    sqlite(() =>
      this.#db.exec(`
        CREATE TABLE IF NOT EXISTS events_log (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          kind TEXT NOT NULL,
          namespace TEXT NOT NULL,
          name TEXT NOT NULL,
          type TEXT NOT NULL,
          reason TEXT NOT NULL,
          message TEXT NOT NULL,
          timestamp INTEGER NOT NULL,
          revision TEXT,
          metadata TEXT
        );
        CREATE INDEX IF NOT EXISTS events_log_by_object ON events_log (kind, namespace, name, timestamp, id);
        CREATE INDEX IF NOT EXISTS events_log_by_time ON events_log (timestamp, id);
      `),
    );
    this.#statements = sqlite(() => ({
      insert: this.#db.prepare(
        `INSERT INTO events_log (kind, namespace, name, type, reason, message, timestamp, revision, metadata)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      trim: this.#db.prepare(
        `DELETE FROM events_log WHERE kind = ? AND namespace = ? AND name = ? AND id NOT IN (
           SELECT id FROM events_log WHERE kind = ? AND namespace = ? AND name = ?
           ORDER BY timestamp DESC, id DESC LIMIT ?)`,
      ),
      expire: this.#db.prepare("DELETE FROM events_log WHERE timestamp < ?"),
    }));
  }

  /** Adds a listener for every later publish; returns the function that removes it. */
  subscribe(listener: PublishListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async publish(events: readonly ReconcileEvent[]): Promise<void> {
    if (events.length === 0) return;
    sqlite(() => this.#store(events));
    await this.#notify(events);
  }

  async list(query: EventQuery): Promise<ReconcileEvent[]> {
    const { key, since, limit } = query;
    if (limit !== undefined && !(Number.isInteger(limit) && limit >= 0)) {
      throw new PortError("Invalid", `event limit must be a whole number ≥ 0, not ${limit}`);
    }
    if (since !== undefined && !Number.isFinite(since)) {
      throw new PortError("Invalid", `event since must be a time in epoch ms, not ${since}`);
    }
    const where: string[] = [];
    const params: SQLInputValue[] = [];
    if (key) {
      where.push("kind = ? AND namespace = ? AND name = ?");
      params.push(key.kind, key.namespace, key.name);
    }
    if (since !== undefined) {
      where.push("timestamp >= ?");
      params.push(since);
    }
    // Newest first so LIMIT keeps the most recent, then turned around: newest last.
    const sql = `SELECT kind, namespace, name, type, reason, message, timestamp, revision, metadata
      FROM events_log ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
      ORDER BY timestamp DESC, id DESC LIMIT ?`;
    const rows = sqlite(() => this.#db.prepare(sql).all(...params, limit ?? -1) as unknown as EventRow[]);
    return rows.reverse().map(toEvent);
  }

  #store(events: readonly ReconcileEvent[]): void {
    const { insert, trim, expire } = this.#statements;
    // A savepoint, not BEGIN: it nests if the caller already holds a transaction on this connection.
    this.#db.exec("SAVEPOINT events_publish");
    try {
      const objects = new Map<string, readonly [string, string, string]>();
      for (const e of events) {
        const { kind, namespace, name } = e.key;
        objects.set(JSON.stringify([kind, namespace, name]), [kind, namespace, name]);
        insert.run(
          kind,
          namespace,
          name,
          e.type,
          e.reason,
          e.message,
          e.timestamp,
          e.revision ?? null,
          e.metadata ? JSON.stringify(e.metadata) : null,
        );
      }
      for (const object of objects.values()) trim.run(...object, ...object, this.#retain);
      expire.run(this.#clock.now() - this.#maxAgeMs);
      this.#db.exec("RELEASE events_publish");
    } catch (error) {
      // Some errors make SQLite roll the whole transaction back itself; then there is nothing to undo.
      if (this.#db.isTransaction) this.#db.exec("ROLLBACK TO events_publish; RELEASE events_publish");
      throw error;
    }
  }

  /**
   * Every listener hears every publish, even when another one fails; their failures are then
   * thrown together. The events are stored by then, as with EventBridge, where a failing rule
   * target never undoes the PutEvents.
   */
  async #notify(events: readonly ReconcileEvent[]): Promise<void> {
    const listeners = [...this.#listeners].map((listener) => ({ publish: async () => listener(events) }));
    await fanOutEventSink(listeners).publish(events);
  }
}

function toEvent(row: EventRow): ReconcileEvent {
  return {
    key: { kind: row.kind, namespace: row.namespace, name: row.name },
    type: row.type,
    reason: row.reason,
    message: row.message,
    timestamp: row.timestamp,
    ...(row.revision !== null && { revision: row.revision }),
    ...(row.metadata !== null && { metadata: JSON.parse(row.metadata) as Record<string, string> }),
  };
}

// SQLITE_BUSY and SQLITE_LOCKED: another connection holds the lock past the busy timeout.
const TRANSIENT_ERRCODES = new Set([5, 6]);

/** The one place SQLite errors become port errors; any other is a bug or a broken file. */
function sqlite<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    const errcode = (error as { errcode?: number } | undefined)?.errcode;
    if (errcode !== undefined && TRANSIENT_ERRCODES.has(errcode & 0xff)) {
      throw new PortError("Transient", `event log: ${(error as Error).message}`, { cause: error });
    }
    throw error;
  }
}
