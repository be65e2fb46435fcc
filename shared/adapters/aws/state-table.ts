import { createHash } from "node:crypto";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { formatKey, type ObjectKey } from "../../ports/object-key.ts";
import { createTable, type TableSchema } from "./create-table.ts";

/**
 * The state table: one DynamoDB table (on-demand) holding every toolkit object.
 *
 * Each object is one item collection under partition key `pk` = `Kind/namespace/name`
 * (formatKey), with four items told apart by the sort key `sk`:
 *
 * | sk         | attributes                                                   | written by                  |
 * | ---------- | ------------------------------------------------------------ | --------------------------- |
 * | `object`   | apiVersion, metadata, spec (canonical JSON), generation      | putObject                   |
 * | `status`   | status (JSON, absent until first written), statusVersion     | writeStatus                 |
 * | `lease`    | holder, expiresAt (both absent while free)                   | acquireLease / releaseLease |
 * | `schedule` | dueShard, dueAt (absent while unscheduled)                   | setDueAt                    |
 *
 * Every item also carries kind, namespace and name, so a filtered scan needs no key parsing.
 *
 * Why four items, not one: DynamoDB bills a write by the size of the whole item, before or after,
 * whichever is larger. Leases and due times change on every run and status on most; kept apart
 * from the spec, each of those writes costs one unit instead of the size of the spec, and
 * registration never contends with a running reconcile. getObject still reads them in one
 * Query of the partition. The four are created together and deleted together in one
 * transaction, so "the object exists" and "its status, lease and schedule items exist" are the
 * same fact. Every single-item write is conditioned on its own item existing (`attribute_exists(pk)`,
 * or a condition on an attribute only an existing item has), so a write to a deleted object
 * fails instead of resurrecting a fragment of it; a failed condition is told apart from a missing
 * object by one read of that item afterwards.
 *
 * listObjects is a consistent Scan, filtered on kind and namespace, paged: it serves the CLI,
 * receivers and registration sweeps, never the per-minute tick, so no index is kept for it.
 *
 * Concurrency is optimistic, each write one conditional request:
 * - putObject first updates on `spec = :spec` (unchanged: metadata only, generation kept), then
 *   on `spec <> :spec` with `generation = generation + 1`, then creates the four items with
 *   `attribute_not_exists(pk)`; whichever condition holds wins, and a lost race just tries again.
 *   Specs are stored as canonical JSON (sorted keys), so the comparison ignores key order.
 * - writeStatus updates on `statusVersion = :expected` and sets the next version.
 * - acquireLease updates on `attribute_not_exists(holder) OR holder = :me OR expiresAt <= :now`;
 *   releaseLease removes the lease only on `holder = :me`, so a lease taken over stays put.
 *
 * The due index is the sparse global secondary index `due`: partition key `dueShard`, sort key
 * `dueAt` (number, epoch ms), keys only. Only a scheduled `schedule` item has `dueAt`, so only
 * scheduled objects are in the index and listDue is a Query of `dueAt <= :now` per shard,
 * earliest first; its cost follows what is due, not what exists. Every due-time change is a
 * delete plus a put in the index, all on the index's partition key; spreading keys over
 * DUE_SHARDS fixed shards (by a hash of the object key) keeps that far below one partition's
 * write limit at 10,000+ objects on one-minute intervals. Changing DUE_SHARDS needs every
 * `schedule` item rewritten. The index is eventually consistent: a scheduler may see a due time
 * a moment late, or one just cleared; the lease and the worker's own due check cover both.
 *
 * References (shared/api/references.ts: which source an object reads, which objects it waits
 * for) are items of their own in the referrer's partition, `sk` = `ref#<referenceId>` with
 * attribute `refTarget` = the referenceId; the sparse KEYS_ONLY index `referrers` (partition
 * `refTarget`, sort `pk`) turns "who reads this source" into one Query, so waking dependents
 * costs what it finds. putObject brings them in line after a spec change; deleteObject removes
 * them. They carry no kind/namespace, so filtered scans pass them by and fromItems ignores them.
 *
 * Items must stay under DynamoDB's 400 KB. Specs and status are small today; the big part of a
 * status (a Kustomization's inventory) is to be offloaded to the artifact bucket, leaving a
 * reference in the status item.
 *
 * No TTL: nothing in this table expires on its own (leases expire by their `expiresAt`).
 */
export const PARTITION_KEY = "pk";
export const SORT_KEY = "sk";

/** Sort key values: the four items of one object. */
export const ITEM = {
  object: "object",
  status: "status",
  lease: "lease",
  schedule: "schedule",
} as const;

/** Sort key prefix of reference items: `ref#source:GitRepository/flux-system/fleet`. */
export const REF_PREFIX = "ref#";
/** The reference a reference item stands for (referenceId), the `referrers` index's partition key. */
export const REF_TARGET = "refTarget";
export const REFERRERS_INDEX = "referrers";

export const DUE_INDEX = "due";
export const DUE_SHARD = "dueShard";
export const DUE_AT = "dueAt";
export const DUE_SHARDS = 8;

export function partitionKeyOf(key: ObjectKey): string {
  return formatKey(key);
}

/** The fixed due-index shard of an object: `due#0` … `due#7`. */
export function dueShardOf(key: ObjectKey): string {
  const digest = createHash("sha256").update(formatKey(key)).digest();
  return dueShardName((digest[0] ?? 0) % DUE_SHARDS);
}

export function dueShardName(shard: number): string {
  return `due#${shard}`;
}

/** The table's schema as plain data: the CDK stack declares the table from this. */
export const stateTableSchema = {
  partitionKey: { name: PARTITION_KEY, type: "S" },
  sortKey: { name: SORT_KEY, type: "S" },
  globalSecondaryIndexes: [
    {
      indexName: DUE_INDEX,
      partitionKey: { name: DUE_SHARD, type: "S" },
      sortKey: { name: DUE_AT, type: "N" },
      projectionType: "KEYS_ONLY",
    },
    {
      indexName: REFERRERS_INDEX,
      partitionKey: { name: REF_TARGET, type: "S" },
      sortKey: { name: PARTITION_KEY, type: "S" },
      projectionType: "KEYS_ONLY",
    },
  ],
} as const satisfies TableSchema;

/** Creates the state table with exactly stateTableSchema, on demand, and waits until it is active. */
export function createStateTable(client: DynamoDBClient, tableName: string): Promise<void> {
  return createTable(client, tableName, stateTableSchema);
}
