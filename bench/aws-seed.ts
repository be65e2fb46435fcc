import { isDeepStrictEqual } from "node:util";
import { BatchWriteCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { ATTR, type Item, itemKey, keyAttributes } from "../shared/adapters/aws/state-items.ts";
import { DUE_AT, DUE_SHARD, dueShardOf, ITEM } from "../shared/adapters/aws/state-table.ts";
import { canonicalJson } from "../shared/api/canonical-json.ts";
import type { Clock, ObjectKey, PutObjectInput, StateStore } from "../shared/ports/index.ts";

/**
 * Registers objects in bulk for setup only: the very four items putObject's create transaction
 * writes (state-table.ts), sent with BatchWriteItem. moto deep-copies the whole table for each
 * item of a TransactWriteItems, so putObject there costs ~0.5 ms per object already stored and
 * 10,000 objects would take hours; it is not thread-safe under concurrent transactions either.
 */
export async function seedStateTable(
  client: DynamoDBDocumentClient,
  tableName: string,
  clock: Clock,
  objects: readonly PutObjectInput[],
): Promise<void> {
  const now = clock.now();
  const items = objects.flatMap(({ key, apiVersion, metadata, spec }) => {
    const item = (sk: string, attributes: Item): Item => ({
      ...itemKey(key, sk),
      ...keyAttributes(key),
      ...attributes,
    });
    return [
      item(ITEM.object, {
        [ATTR.apiVersion]: apiVersion,
        [ATTR.metadata]: canonicalJson(metadata),
        [ATTR.spec]: canonicalJson(spec),
        [ATTR.generation]: 1,
      }),
      item(ITEM.status, { [ATTR.statusVersion]: 0 }),
      item(ITEM.lease, {}),
      item(ITEM.schedule, { [DUE_SHARD]: dueShardOf(key), [DUE_AT]: now }),
    ];
  });
  for (let start = 0; start < items.length; start += 25) {
    let pending = items.slice(start, start + 25).map((Item) => ({ PutRequest: { Item } }));
    while (pending.length > 0) {
      const result = await client.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending } }));
      pending = (result.UnprocessedItems?.[tableName] ?? []) as typeof pending;
    }
  }
}

/** Fails loudly unless a seeded object reads back exactly like one registered with putObject. */
export async function checkSeedMatchesPut(state: StateStore, seeded: ObjectKey, input: PutObjectInput) {
  const put = await state.putObject(input);
  const got = await state.getObject(seeded);
  const strip = (o: object | undefined) => o && { ...o, key: undefined };
  if (!isDeepStrictEqual(strip(got), strip(put)))
    throw new Error(`seeded ${JSON.stringify(got)} differs from putObject's ${JSON.stringify(put)}`);
}
