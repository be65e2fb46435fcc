import { setTimeout as sleep } from "node:timers/promises";
import {
  BatchWriteCommand,
  type BatchWriteCommandInput,
  type DynamoDBDocumentClient,
  paginateQuery,
} from "@aws-sdk/lib-dynamodb";
import { type ReferenceRelation, referenceId, referencesOf } from "../../api/references.ts";
import { PortError } from "../../ports/errors.ts";
import { type ObjectKey, parseKey } from "../../ports/object-key.ts";
import { compareKeys, type Item, itemKey } from "./state-items.ts";
import {
  PARTITION_KEY,
  partitionKeyOf,
  REF_PREFIX,
  REF_TARGET,
  REFERRERS_INDEX,
  SORT_KEY,
} from "./state-table.ts";

/**
 * The state table's reference items (the design is in state-table.ts): one item per reference in
 * the referrer's partition, found by target through the `referrers` index.
 */
export interface ReferenceItemsOptions {
  readonly db: DynamoDBDocumentClient;
  readonly table: string;
}

const BATCH = 25;
const UNPROCESSED_ROUNDS = 6;

/** The reference items of one object as they are now: sort key → item. */
async function currentItems({ db, table }: ReferenceItemsOptions, key: ObjectKey): Promise<Set<string>> {
  const found = new Set<string>();
  const pages = paginateQuery(
    { client: db },
    {
      TableName: table,
      KeyConditionExpression: "#pk = :pk AND begins_with(#sk, :ref)",
      ExpressionAttributeNames: { "#pk": PARTITION_KEY, "#sk": SORT_KEY },
      ExpressionAttributeValues: { ":pk": partitionKeyOf(key), ":ref": REF_PREFIX },
      ProjectionExpression: "#sk",
      ConsistentRead: true,
    },
  );
  for await (const page of pages) for (const item of page.Items ?? []) found.add(item[SORT_KEY] as string);
  return found;
}

async function batchWrite(
  options: ReferenceItemsOptions,
  requests: NonNullable<BatchWriteCommandInput["RequestItems"]>[string],
) {
  for (let start = 0; start < requests.length; start += BATCH) {
    let pending = requests.slice(start, start + BATCH);
    for (let round = 0; pending.length > 0; round++) {
      if (round >= UNPROCESSED_ROUNDS)
        throw new PortError("Transient", `${pending.length} reference items were not written: throttled`);
      if (round > 0) await sleep(50 * 2 ** round);
      const result = await options.db.send(
        new BatchWriteCommand({ RequestItems: { [options.table]: pending } }),
      );
      pending = result.UnprocessedItems?.[options.table] ?? [];
    }
  }
}

/**
 * Makes the object's reference items match its spec: writes the missing ones, deletes the ones
 * it no longer has. Runs after the spec write, so a crash in between leaves stale references,
 * which only ever cost a spare wake-up or one missed (the interval still comes).
 */
export async function syncReferences(
  options: ReferenceItemsOptions,
  key: ObjectKey,
  spec: Readonly<Record<string, unknown>>,
): Promise<void> {
  const wanted = new Map(
    referencesOf({ key, spec }).map((ref) => [`${REF_PREFIX}${referenceId(ref)}`, referenceId(ref)]),
  );
  const existing = await currentItems(options, key);
  const puts = [...wanted].filter(([sk]) => !existing.has(sk));
  const deletes = [...existing].filter((sk) => !wanted.has(sk));
  await batchWrite(options, [
    ...puts.map(([sk, target]) => ({ PutRequest: { Item: { ...itemKey(key, sk), [REF_TARGET]: target } } })),
    ...deletes.map((sk) => ({ DeleteRequest: { Key: itemKey(key, sk) } })),
  ]);
}

/** Removes every reference item of an object (after the object itself is deleted). */
export async function deleteReferences(options: ReferenceItemsOptions, key: ObjectKey): Promise<void> {
  const existing = await currentItems(options, key);
  await batchWrite(
    options,
    [...existing].map((sk) => ({ DeleteRequest: { Key: itemKey(key, sk) } })),
  );
}

/** The keys of the objects with this reference, sorted; the index is eventually consistent. */
export async function listReferrers(
  { db, table }: ReferenceItemsOptions,
  target: ObjectKey,
  relation: ReferenceRelation,
): Promise<ObjectKey[]> {
  const keys: ObjectKey[] = [];
  const pages = paginateQuery(
    { client: db },
    {
      TableName: table,
      IndexName: REFERRERS_INDEX,
      KeyConditionExpression: "#target = :target",
      ExpressionAttributeNames: { "#target": REF_TARGET },
      ExpressionAttributeValues: { ":target": referenceId({ relation, target }) },
    },
  );
  for await (const page of pages)
    for (const item of (page.Items ?? []) as Item[]) {
      const key = parseKey(item[PARTITION_KEY] as string);
      if (key) keys.push(key);
    }
  return keys.sort(compareKeys);
}
