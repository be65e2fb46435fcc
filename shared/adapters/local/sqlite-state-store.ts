import type { DatabaseSync, SQLOutputValue } from "node:sqlite";
import { canonicalJson } from "../../api/canonical-json.ts";
import { type ReferenceRelation, referenceId, referencesOf } from "../../api/references.ts";
import { type Clock, systemClock } from "../../ports/clock.ts";
import { PortError } from "../../ports/errors.ts";
import { formatKey, type ObjectKey } from "../../ports/object-key.ts";
import type {
  AcquireLeaseInput,
  Lease,
  ListObjectsFilter,
  PutObjectInput,
  StateStore,
  StoredObject,
} from "../../ports/state.ts";

export interface SqliteStateStoreOptions {
  /** The installation's database (see openDatabase); the store keeps its rows in `state_*` tables. */
  readonly database: DatabaseSync;
  /** Stamps a new object's first due time. @default systemClock */
  readonly clock?: Clock;
}

// No STRICT: epoch milliseconds stay exact numbers even if a caller hands in a fraction.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS state_objects (
  kind TEXT NOT NULL,
  namespace TEXT NOT NULL,
  name TEXT NOT NULL,
  api_version TEXT NOT NULL,
  metadata TEXT NOT NULL,
  spec TEXT NOT NULL,
  generation INTEGER NOT NULL,
  status TEXT,
  status_version INTEGER NOT NULL DEFAULT 0,
  due_at INTEGER,
  lease_holder TEXT,
  lease_expires_at INTEGER,
  refs TEXT,
  PRIMARY KEY (kind, namespace, name)
);
CREATE INDEX IF NOT EXISTS state_objects_due ON state_objects (due_at) WHERE due_at IS NOT NULL;
`;

/**
 * The reference index: one row per (reference, referrer), kept by triggers from the object's
 * \`refs\` column (a JSON array of referenceId strings written with the spec), so it changes in
 * the same statement as the spec and listReferrers is an index lookup.
 */
const REFERENCE_INDEX = `
CREATE TABLE IF NOT EXISTS state_refs (
  ref TEXT NOT NULL,
  kind TEXT NOT NULL,
  namespace TEXT NOT NULL,
  name TEXT NOT NULL,
  PRIMARY KEY (ref, kind, namespace, name)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS state_refs_by_referrer ON state_refs (kind, namespace, name);
CREATE TRIGGER IF NOT EXISTS state_refs_on_insert AFTER INSERT ON state_objects BEGIN
  INSERT OR IGNORE INTO state_refs SELECT value, NEW.kind, NEW.namespace, NEW.name FROM json_each(COALESCE(NEW.refs, '[]'));
END;
CREATE TRIGGER IF NOT EXISTS state_refs_on_update AFTER UPDATE OF refs ON state_objects WHEN NEW.refs IS NOT OLD.refs BEGIN
  DELETE FROM state_refs WHERE kind = OLD.kind AND namespace = OLD.namespace AND name = OLD.name;
  INSERT OR IGNORE INTO state_refs SELECT value, NEW.kind, NEW.namespace, NEW.name FROM json_each(COALESCE(NEW.refs, '[]'));
END;
CREATE TRIGGER IF NOT EXISTS state_refs_on_delete AFTER DELETE ON state_objects BEGIN
  DELETE FROM state_refs WHERE kind = OLD.kind AND namespace = OLD.namespace AND name = OLD.name;
END;
`;

const COLUMNS =
  "kind, namespace, name, api_version, metadata, spec, generation, status, status_version, due_at";
const BY_KEY = "kind = $kind AND namespace = $namespace AND name = $name";

function prepare(db: DatabaseSync) {
  return {
    // One statement decides create or update and whether the spec changed (the old row's `spec`
    // against `excluded.spec`, both canonical JSON), so no read-then-write race exists.
    upsert: db.prepare(`
      INSERT INTO state_objects (kind, namespace, name, api_version, metadata, spec, generation, due_at, refs)
      VALUES ($kind, $namespace, $name, $apiVersion, $metadata, $spec, 1, $now, $refs)
      ON CONFLICT (kind, namespace, name) DO UPDATE SET
        api_version = excluded.api_version,
        metadata = excluded.metadata,
        generation = generation + (spec IS NOT excluded.spec),
        spec = excluded.spec,
        refs = excluded.refs
      RETURNING ${COLUMNS}`),
    referrers: db.prepare(`
      SELECT kind, namespace, name FROM state_refs WHERE ref = $ref ORDER BY kind, namespace, name`),
    unindexed: db.prepare(`SELECT kind, namespace, name, spec FROM state_objects WHERE refs IS NULL`),
    setRefs: db.prepare(`UPDATE state_objects SET refs = $refs WHERE ${BY_KEY}`),
    get: db.prepare(`SELECT ${COLUMNS} FROM state_objects WHERE ${BY_KEY}`),
    exists: db.prepare(`SELECT 1 AS found FROM state_objects WHERE ${BY_KEY}`),
    list: db.prepare(`
      SELECT ${COLUMNS} FROM state_objects
      WHERE ($kind IS NULL OR kind = $kind) AND ($namespace IS NULL OR namespace = $namespace)
      ORDER BY kind, namespace, name`),
    delete: db.prepare(`DELETE FROM state_objects WHERE ${BY_KEY}`),
    writeStatus: db.prepare(`
      UPDATE state_objects SET status = $status, status_version = status_version + 1
      WHERE ${BY_KEY} AND status_version = $expected
      RETURNING status_version`),
    acquire: db.prepare(`
      UPDATE state_objects SET lease_holder = $holder, lease_expires_at = $expiresAt
      WHERE ${BY_KEY} AND (lease_holder IS NULL OR lease_holder = $holder OR lease_expires_at <= $now)`),
    release: db.prepare(`
      UPDATE state_objects SET lease_holder = NULL, lease_expires_at = NULL
      WHERE ${BY_KEY} AND lease_holder = $holder`),
    setDueAt: db.prepare(`UPDATE state_objects SET due_at = $dueAt WHERE ${BY_KEY}`),
    listDue: db.prepare(`
      SELECT kind, namespace, name FROM state_objects
      WHERE due_at <= $now ORDER BY due_at, kind, namespace, name LIMIT $limit`),
  };
}

type Row = Record<string, SQLOutputValue>;

function refsOf(key: ObjectKey, spec: Readonly<Record<string, unknown>>): string {
  return JSON.stringify(referencesOf({ key, spec }).map(referenceId));
}

/** Databases made before the reference index lack its column. */
function addReferenceColumn(db: DatabaseSync): void {
  const columns = db.prepare("SELECT name FROM pragma_table_info('state_objects')").all();
  if (!columns.some((c) => c.name === "refs")) db.exec("ALTER TABLE state_objects ADD COLUMN refs TEXT");
}

function keyParams(key: ObjectKey) {
  return { kind: key.kind, namespace: key.namespace, name: key.name };
}

function toKey(row: Row): ObjectKey {
  return { kind: String(row.kind), namespace: String(row.namespace), name: String(row.name) };
}

function toObject(row: Row): StoredObject {
  return {
    key: toKey(row),
    apiVersion: String(row.api_version),
    metadata: JSON.parse(String(row.metadata)),
    spec: JSON.parse(String(row.spec)),
    generation: Number(row.generation),
    status: row.status === null ? undefined : JSON.parse(String(row.status)),
    statusVersion: Number(row.status_version),
    dueAt: row.due_at === null ? undefined : Number(row.due_at),
  };
}

/**
 * The StateStore of the local runtime: one row per object in SQLite. Every method is a single
 * SQL statement, atomic on its own, so several connections (threads or processes) may share
 * the file; a condition that fails is told apart from a missing row by one read afterwards.
 */
export class SqliteStateStore implements StateStore {
  readonly #clock: Clock;
  readonly #sql: ReturnType<typeof prepare>;

  constructor(options: SqliteStateStoreOptions) {
    this.#clock = options.clock ?? systemClock;
    guard("create the state tables", () => {
      options.database.exec(SCHEMA);
      addReferenceColumn(options.database);
      options.database.exec(REFERENCE_INDEX);
    });
    this.#sql = prepare(options.database);
    // Objects stored before the index existed get their references once.
    guard("index references", () => {
      for (const row of this.#sql.unindexed.all())
        this.#sql.setRefs.run({
          ...keyParams(toKey(row)),
          refs: refsOf(toKey(row), JSON.parse(String(row.spec))),
        });
    });
  }

  async putObject(input: PutObjectInput): Promise<StoredObject> {
    return guard(`put ${formatKey(input.key)}`, () => {
      const row = this.#sql.upsert.get({
        ...keyParams(input.key),
        apiVersion: input.apiVersion,
        metadata: canonicalJson(input.metadata),
        spec: canonicalJson(input.spec),
        now: this.#clock.now(),
        refs: refsOf(input.key, input.spec),
      });
      if (!row) throw new Error("the upsert returned no row");
      return toObject(row);
    });
  }

  async getObject(key: ObjectKey): Promise<StoredObject | undefined> {
    return guard(`get ${formatKey(key)}`, () => {
      const row = this.#sql.get.get(keyParams(key));
      return row && toObject(row);
    });
  }

  async listObjects(filter: ListObjectsFilter = {}): Promise<StoredObject[]> {
    return guard("list objects", () =>
      this.#sql.list.all({ kind: filter.kind ?? null, namespace: filter.namespace ?? null }).map(toObject),
    );
  }

  async listReferrers(target: ObjectKey, relation: ReferenceRelation): Promise<ObjectKey[]> {
    return guard(`list what refers to ${formatKey(target)}`, () =>
      this.#sql.referrers.all({ ref: referenceId({ relation, target }) }).map(toKey),
    );
  }

  async deleteObject(key: ObjectKey): Promise<boolean> {
    return guard(`delete ${formatKey(key)}`, () => Number(this.#sql.delete.run(keyParams(key)).changes) > 0);
  }

  async writeStatus(
    key: ObjectKey,
    status: Readonly<Record<string, unknown>>,
    expectedVersion: number,
  ): Promise<number> {
    return guard(`write status of ${formatKey(key)}`, () => {
      const row = this.#sql.writeStatus.get({
        ...keyParams(key),
        status: JSON.stringify(status),
        expected: expectedVersion,
      });
      if (row) return Number(row.status_version);
      this.#mustExist(key);
      throw new PortError(
        "Conflict",
        `status of ${formatKey(key)} was written since version ${expectedVersion}`,
      );
    });
  }

  async acquireLease(input: AcquireLeaseInput): Promise<Lease | undefined> {
    return guard(`acquire lease on ${formatKey(input.key)}`, () => {
      const expiresAt = input.now + input.ttlMs;
      const taken = this.#sql.acquire.run({
        ...keyParams(input.key),
        holder: input.holder,
        expiresAt,
        now: input.now,
      });
      if (Number(taken.changes) > 0) return { key: input.key, holder: input.holder, expiresAt };
      this.#mustExist(input.key);
      return undefined;
    });
  }

  async releaseLease(lease: Lease): Promise<void> {
    guard(`release lease on ${formatKey(lease.key)}`, () =>
      this.#sql.release.run({ ...keyParams(lease.key), holder: lease.holder }),
    );
  }

  async setDueAt(key: ObjectKey, dueAt: number | undefined): Promise<void> {
    guard(`schedule ${formatKey(key)}`, () => {
      if (dueAt !== undefined && !Number.isFinite(dueAt))
        throw new PortError("Invalid", `dueAt must be a finite number, got ${dueAt}`);
      const set = this.#sql.setDueAt.run({ ...keyParams(key), dueAt: dueAt ?? null });
      if (Number(set.changes) === 0) throw new PortError("NotFound", `${formatKey(key)} does not exist`);
    });
  }

  async listDue(now: number, limit: number): Promise<ObjectKey[]> {
    if (limit <= 0) return [];
    return guard("list due objects", () => this.#sql.listDue.all({ now, limit }).map(toKey));
  }

  #mustExist(key: ObjectKey): void {
    if (!this.#sql.exists.get(keyParams(key)))
      throw new PortError("NotFound", `${formatKey(key)} does not exist`);
  }
}

/** The one place SQLite errors become PortErrors; anything unrecognised passes as it is. */
function guard<T>(doing: string, work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (error instanceof PortError) throw error;
    const code = (error as { errcode?: unknown } | null)?.errcode;
    // SQLITE_BUSY (5) and SQLITE_LOCKED (6), with their extended codes: another connection
    // held the lock past busy_timeout.
    if (typeof code === "number" && ((code & 0xff) === 5 || (code & 0xff) === 6))
      throw new PortError("Transient", `${doing}: ${(error as Error).message}`, { cause: error });
    throw error;
  }
}
