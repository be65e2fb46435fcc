import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { DatabaseSync } from "node:sqlite";

export interface OpenDatabaseOptions {
  /** File path, or ":memory:" for a private in-memory database (tests of one connection only). */
  readonly path: string;
  /** How long a writer waits for another connection's lock before failing. */
  readonly busyTimeoutMs?: number;
}

/**
 * Opens the local runtime's SQLite database. Every local adapter (state, queue, events) takes
 * the same `DatabaseSync` and keeps its own tables, so one file holds one installation.
 * WAL lets readers run beside the single writer; several connections (processes) may share a file.
 */
export function openDatabase(options: OpenDatabaseOptions): DatabaseSync {
  if (options.path !== ":memory:") mkdirSync(dirname(options.path), { recursive: true });
  const db = new DatabaseSync(options.path);
  db.exec(`PRAGMA busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 5_000)}`);
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA synchronous = NORMAL");
  db.exec("PRAGMA foreign_keys = ON");
  return db;
}
