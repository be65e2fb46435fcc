import { DynamoDBClient, type DynamoDBClientConfig } from "@aws-sdk/client-dynamodb";
import {
  DynamoDBDocumentClient,
  GetCommand,
  paginateQuery,
  paginateScan,
  type QueryCommandInput,
  type ScanCommandInput,
  TransactWriteCommand,
  UpdateCommand,
  type UpdateCommandInput,
} from "@aws-sdk/lib-dynamodb";
import { canonicalJson } from "../../api/canonical-json.ts";
import type { ReferenceRelation } from "../../api/references.ts";
import { type Clock, systemClock } from "../../ports/clock.ts";
import { PortError } from "../../ports/errors.ts";
import { formatKey, type ObjectKey, parseKey } from "../../ports/object-key.ts";
import type {
  AcquireLeaseInput,
  Lease,
  ListObjectsFilter,
  PutObjectInput,
  StateStore,
  StoredObject,
} from "../../ports/state.ts";
import { isConditionFailure, mapDynamoDbError } from "./dynamodb-errors.ts";
import { ATTR, compareKeys, fromItems, type Item, itemKey, keyAttributes, names } from "./state-items.ts";
import {
  deleteReferences,
  listReferrers,
  type ReferenceItemsOptions,
  syncReferences,
} from "./state-references.ts";
import {
  DUE_AT,
  DUE_INDEX,
  DUE_SHARD,
  DUE_SHARDS,
  dueShardName,
  dueShardOf,
  ITEM,
  PARTITION_KEY,
  partitionKeyOf,
  SORT_KEY,
} from "./state-table.ts";

export interface DynamoDbStateStoreOptions {
  /** The table made from stateTableSchema (see state-table.ts). */
  readonly tableName: string;
  /**
   * The SDK client, plain or document. Throttling and server errors are retried by the client's
   * own retry strategy (standard mode, `maxAttempts`, exponential backoff with jitter); what is
   * still failing after that becomes a `Transient` PortError for the caller (the queue) to retry.
   * @default a DynamoDBClient built from clientConfig
   */
  readonly client?: DynamoDBClient | DynamoDBDocumentClient;
  /** Config of the client built when none is given. @default { maxAttempts: 5 } */
  readonly clientConfig?: DynamoDBClientConfig;
  /** @default systemClock */
  readonly clock?: Clock;
  /** Items per Scan or Query request. @default DynamoDB's own pages of 1 MB */
  readonly pageSize?: number;
}

/** A Lambda can wait out a short throttling burst; the SDK's default of 3 attempts gives up early. */
const DEFAULT_MAX_ATTEMPTS = 5;
/** Rounds of putObject's three conditional writes before a lost race is reported as Conflict. */
const PUT_ROUNDS = 5;

/** The StateStore on the DynamoDB state table; the key design and its reasons are in state-table.ts. */
export class DynamoDbStateStore implements StateStore {
  readonly #db: DynamoDBDocumentClient;
  readonly #table: string;
  readonly #clock: Clock;
  readonly #pageSize: number | undefined;
  readonly #references: ReferenceItemsOptions;

  constructor(options: DynamoDbStateStoreOptions) {
    if (!options.tableName) throw new PortError("Invalid", "tableName is required");
    if (options.pageSize !== undefined && !(Number.isInteger(options.pageSize) && options.pageSize > 0))
      throw new PortError("Invalid", `pageSize must be a positive integer, got ${options.pageSize}`);
    const client =
      options.client ?? new DynamoDBClient({ maxAttempts: DEFAULT_MAX_ATTEMPTS, ...options.clientConfig });
    this.#db = client instanceof DynamoDBDocumentClient ? client : DynamoDBDocumentClient.from(client);
    this.#table = options.tableName;
    this.#clock = options.clock ?? systemClock;
    this.#pageSize = options.pageSize;
    this.#references = { db: this.#db, table: this.#table };
  }

  putObject(input: PutObjectInput): Promise<StoredObject> {
    return this.#guard(`put ${formatKey(input.key)}`, async () => {
      const values = {
        ":apiVersion": input.apiVersion,
        ":metadata": canonicalJson(input.metadata),
        ":spec": canonicalJson(input.spec),
      };
      // Most puts re-register an unchanged spec, so that write is tried first; each step's
      // condition says which case holds, and a step that loses a race falls through to the next.
      for (let round = 0; round < PUT_ROUNDS; round++) {
        const unchanged = await this.#conditionalUpdate({
          Key: itemKey(input.key, ITEM.object),
          UpdateExpression: "SET #apiVersion = :apiVersion, #metadata = :metadata",
          ConditionExpression: "attribute_exists(#pk) AND #spec = :spec",
          ExpressionAttributeNames: names(PARTITION_KEY, ATTR.apiVersion, ATTR.metadata, ATTR.spec),
          ExpressionAttributeValues: values,
          ReturnValues: "ALL_NEW",
        });
        if (unchanged) return this.#withParts(unchanged);
        // Past here the spec is new or changed: its references may be too.
        const changed = await this.#conditionalUpdate({
          Key: itemKey(input.key, ITEM.object),
          UpdateExpression:
            "SET #apiVersion = :apiVersion, #metadata = :metadata, #spec = :spec, #generation = #generation + :one",
          ConditionExpression: "attribute_exists(#pk) AND #spec <> :spec",
          ExpressionAttributeNames: names(
            PARTITION_KEY,
            ATTR.apiVersion,
            ATTR.metadata,
            ATTR.spec,
            ATTR.generation,
          ),
          ExpressionAttributeValues: { ...values, ":one": 1 },
          ReturnValues: "ALL_NEW",
        });
        if (changed) {
          await syncReferences(this.#references, input.key, input.spec);
          return this.#withParts(changed);
        }
        const created = await this.#create(input, values[":metadata"], values[":spec"]);
        if (created) {
          await syncReferences(this.#references, input.key, input.spec);
          return created;
        }
      }
      throw new PortError("Conflict", `put ${formatKey(input.key)}: lost ${PUT_ROUNDS} races in a row`);
    });
  }

  getObject(key: ObjectKey): Promise<StoredObject | undefined> {
    return this.#guard(`get ${formatKey(key)}`, async () => {
      const items: Item[] = [];
      for await (const item of this.#query({
        KeyConditionExpression: "#pk = :pk",
        ExpressionAttributeNames: names(PARTITION_KEY),
        ExpressionAttributeValues: { ":pk": partitionKeyOf(key) },
        ConsistentRead: true,
      }))
        items.push(item);
      return fromItems(items);
    });
  }

  listObjects(filter: ListObjectsFilter = {}): Promise<StoredObject[]> {
    return this.#guard("list objects", async () => {
      const conditions = ["#sk <> :lease"];
      const values: Item = { ":lease": ITEM.lease };
      const attributeNames = names(SORT_KEY);
      for (const field of [ATTR.kind, ATTR.namespace] as const) {
        const wanted = filter[field];
        if (wanted === undefined) continue;
        conditions.push(`#${field} = :${field}`);
        values[`:${field}`] = wanted;
        attributeNames[`#${field}`] = field;
      }
      const partitions = new Map<string, Item[]>();
      for await (const item of this.#scan({
        FilterExpression: conditions.join(" AND "),
        ExpressionAttributeNames: attributeNames,
        ExpressionAttributeValues: values,
        ConsistentRead: true,
      })) {
        const pk = item[PARTITION_KEY] as string;
        const items = partitions.get(pk) ?? [];
        items.push(item);
        partitions.set(pk, items);
      }
      return [...partitions.values()]
        .flatMap((items) => fromItems(items) ?? [])
        .sort((a, b) => compareKeys(a.key, b.key));
    });
  }

  deleteObject(key: ObjectKey): Promise<boolean> {
    return this.#guard(`delete ${formatKey(key)}`, async () => {
      try {
        await this.#db.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Delete: {
                  TableName: this.#table,
                  Key: itemKey(key, ITEM.object),
                  ConditionExpression: "attribute_exists(#pk)",
                  ExpressionAttributeNames: names(PARTITION_KEY),
                },
              },
              ...[ITEM.status, ITEM.lease, ITEM.schedule].map((sk) => ({
                Delete: { TableName: this.#table, Key: itemKey(key, sk) },
              })),
            ],
          }),
        );
      } catch (error) {
        if (isConditionFailure(error)) return false;
        throw error;
      }
      await deleteReferences(this.#references, key);
      return true;
    });
  }

  listReferrers(target: ObjectKey, relation: ReferenceRelation): Promise<ObjectKey[]> {
    return this.#guard(`list what refers to ${formatKey(target)}`, () =>
      listReferrers(this.#references, target, relation),
    );
  }

  writeStatus(
    key: ObjectKey,
    status: Readonly<Record<string, unknown>>,
    expectedVersion: number,
  ): Promise<number> {
    return this.#guard(`write status of ${formatKey(key)}`, async () => {
      const next = expectedVersion + 1;
      const written = await this.#conditionalUpdate({
        Key: itemKey(key, ITEM.status),
        UpdateExpression: "SET #status = :status, #statusVersion = :next",
        ConditionExpression: "#statusVersion = :expected",
        ExpressionAttributeNames: names(ATTR.status, ATTR.statusVersion),
        ExpressionAttributeValues: {
          ":status": JSON.stringify(status),
          ":next": next,
          ":expected": expectedVersion,
        },
      });
      if (written) return next;
      if (await this.#exists(key, ITEM.status))
        throw new PortError(
          "Conflict",
          `status of ${formatKey(key)} was written since version ${expectedVersion}`,
        );
      throw new PortError("NotFound", `${formatKey(key)} does not exist`);
    });
  }

  acquireLease(input: AcquireLeaseInput): Promise<Lease | undefined> {
    return this.#guard(`acquire lease on ${formatKey(input.key)}`, async () => {
      const expiresAt = input.now + input.ttlMs;
      const taken = await this.#conditionalUpdate({
        Key: itemKey(input.key, ITEM.lease),
        UpdateExpression: "SET #holder = :holder, #expiresAt = :expiresAt",
        ConditionExpression:
          "attribute_exists(#pk) AND (attribute_not_exists(#holder) OR #holder = :holder OR #expiresAt <= :now)",
        ExpressionAttributeNames: names(PARTITION_KEY, ATTR.holder, ATTR.expiresAt),
        ExpressionAttributeValues: { ":holder": input.holder, ":expiresAt": expiresAt, ":now": input.now },
      });
      if (taken) return { key: input.key, holder: input.holder, expiresAt };
      if (await this.#exists(input.key, ITEM.lease)) return undefined;
      throw new PortError("NotFound", `${formatKey(input.key)} does not exist`);
    });
  }

  releaseLease(lease: Lease): Promise<void> {
    return this.#guard(`release lease on ${formatKey(lease.key)}`, async () => {
      // A failed condition means the lease is someone else's now (or the object is gone): leave it.
      await this.#conditionalUpdate({
        Key: itemKey(lease.key, ITEM.lease),
        UpdateExpression: "REMOVE #holder, #expiresAt",
        ConditionExpression: "#holder = :holder",
        ExpressionAttributeNames: names(ATTR.holder, ATTR.expiresAt),
        ExpressionAttributeValues: { ":holder": lease.holder },
      });
    });
  }

  setDueAt(key: ObjectKey, dueAt: number | undefined): Promise<void> {
    return this.#guard(`schedule ${formatKey(key)}`, async () => {
      if (dueAt !== undefined && !Number.isFinite(dueAt))
        throw new PortError("Invalid", `dueAt must be a finite number, got ${dueAt}`);
      const set = await this.#conditionalUpdate({
        Key: itemKey(key, ITEM.schedule),
        UpdateExpression: dueAt === undefined ? "REMOVE #dueAt" : "SET #dueAt = :dueAt",
        ConditionExpression: "attribute_exists(#pk)",
        ExpressionAttributeNames: names(PARTITION_KEY, DUE_AT),
        ...(dueAt === undefined ? {} : { ExpressionAttributeValues: { ":dueAt": dueAt } }),
      });
      if (!set) throw new PortError("NotFound", `${formatKey(key)} does not exist`);
    });
  }

  listDue(now: number, limit: number): Promise<ObjectKey[]> {
    return this.#guard("list due objects", async () => {
      if (limit <= 0) return [];
      const shards = Array.from({ length: DUE_SHARDS }, (_, shard) => this.#dueInShard(shard, now, limit));
      return (await Promise.all(shards))
        .flat()
        .sort((a, b) => a.dueAt - b.dueAt || compareKeys(a.key, b.key))
        .slice(0, limit)
        .map((due) => due.key);
    });
  }

  /** The earliest `limit` due entries of one shard: each shard is sorted, so their merge is too. */
  async #dueInShard(shard: number, now: number, limit: number): Promise<{ key: ObjectKey; dueAt: number }[]> {
    const due: { key: ObjectKey; dueAt: number }[] = [];
    for await (const item of this.#query({
      IndexName: DUE_INDEX,
      KeyConditionExpression: "#dueShard = :shard AND #dueAt <= :now",
      ExpressionAttributeNames: names(DUE_SHARD, DUE_AT),
      ExpressionAttributeValues: { ":shard": dueShardName(shard), ":now": now },
      ScanIndexForward: true,
      Limit: Math.min(this.#pageSize ?? limit, limit),
    })) {
      const key = parseKey(item[PARTITION_KEY] as string);
      if (key) due.push({ key, dueAt: Number(item[DUE_AT]) });
      if (due.length >= limit) break;
    }
    return due;
  }

  /** The four items of a new object in one transaction; undefined when the object exists by now. */
  async #create(input: PutObjectInput, metadata: string, spec: string): Promise<StoredObject | undefined> {
    const now = this.#clock.now();
    const common = keyAttributes(input.key);
    const put = (sk: string, attributes: Item) => ({
      Put: { TableName: this.#table, Item: { ...itemKey(input.key, sk), ...common, ...attributes } },
    });
    const objectPut = put(ITEM.object, {
      [ATTR.apiVersion]: input.apiVersion,
      [ATTR.metadata]: metadata,
      [ATTR.spec]: spec,
      [ATTR.generation]: 1,
    });
    try {
      await this.#db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                ...objectPut.Put,
                ConditionExpression: "attribute_not_exists(#pk)",
                ExpressionAttributeNames: names(PARTITION_KEY),
              },
            },
            put(ITEM.status, { [ATTR.statusVersion]: 0 }),
            put(ITEM.lease, {}),
            put(ITEM.schedule, { [DUE_SHARD]: dueShardOf(input.key), [DUE_AT]: now }),
          ],
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
    return fromItems([
      objectPut.Put.Item,
      { [SORT_KEY]: ITEM.status, [ATTR.statusVersion]: 0 },
      { [SORT_KEY]: ITEM.schedule, [DUE_AT]: now },
    ]);
  }

  /** The updated object item completed with its status and schedule, read after the write. */
  async #withParts(object: Item): Promise<StoredObject> {
    const key = { kind: object[ATTR.kind], namespace: object[ATTR.namespace], name: object[ATTR.name] };
    const parts = await Promise.all(
      [ITEM.status, ITEM.schedule].map((sk) =>
        this.#db.send(
          new GetCommand({ TableName: this.#table, Key: itemKey(key, sk), ConsistentRead: true }),
        ),
      ),
    );
    const stored = fromItems([object, ...parts.flatMap((part) => part.Item ?? [])]);
    if (!stored) throw new Error("the updated object item is incomplete");
    return stored;
  }

  /** The update's new attributes ({} unless asked for), or undefined when its condition failed. */
  async #conditionalUpdate(input: Omit<UpdateCommandInput, "TableName">): Promise<Item | undefined> {
    try {
      const output = await this.#db.send(new UpdateCommand({ TableName: this.#table, ...input }));
      return output.Attributes ?? {};
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  /** Tells a failed condition on an existing item from a missing object (its items all go together). */
  async #exists(key: ObjectKey, sk: string): Promise<boolean> {
    const found = await this.#db.send(
      new GetCommand({
        TableName: this.#table,
        Key: itemKey(key, sk),
        ConsistentRead: true,
        ProjectionExpression: "#pk",
        ExpressionAttributeNames: names(PARTITION_KEY),
      }),
    );
    return found.Item !== undefined;
  }

  // The SDK's paginators follow LastEvaluatedKey; pageSize only bounds each page.
  async *#query(input: Omit<QueryCommandInput, "TableName">): AsyncGenerator<Item> {
    const pageSize = input.Limit ?? this.#pageSize;
    const pages = paginateQuery({ client: this.#db, pageSize }, { TableName: this.#table, ...input });
    for await (const page of pages) yield* page.Items ?? [];
  }

  async *#scan(input: Omit<ScanCommandInput, "TableName">): AsyncGenerator<Item> {
    const pages = paginateScan(
      { client: this.#db, pageSize: this.#pageSize },
      { TableName: this.#table, ...input },
    );
    for await (const page of pages) yield* page.Items ?? [];
  }

  async #guard<T>(doing: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw mapDynamoDbError(error, doing);
    }
  }
}
