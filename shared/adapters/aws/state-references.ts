import { type DynamoDBDocumentClient, paginateQuery } from "@aws-sdk/lib-dynamodb";
import { type ReferenceRelation, referenceId, referencesOf } from "../../api/references.ts";
import { type ObjectKey, parseKey } from "../../ports/object-key.ts";
import { batchWriteAll } from "./batch-write.ts";
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

/** The sort keys of the reference items an object has now. */
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
  await batchWriteAll(
    options.db,
    options.table,
    [
      ...puts.map(([sk, target]) => ({
        PutRequest: { Item: { ...itemKey(key, sk), [REF_TARGET]: target } },
      })),
      ...deletes.map((sk) => ({ DeleteRequest: { Key: itemKey(key, sk) } })),
    ],
    "reference items",
  );
}

/** Removes every reference item of an object (after the object itself is deleted). */
export async function deleteReferences(options: ReferenceItemsOptions, key: ObjectKey): Promise<void> {
  const existing = await currentItems(options, key);
  await batchWriteAll(
    options.db,
    options.table,
    [...existing].map((sk) => ({ DeleteRequest: { Key: itemKey(key, sk) } })),
    "reference items",
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
