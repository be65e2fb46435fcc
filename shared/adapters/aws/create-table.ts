import { CreateTableCommand, type DynamoDBClient, waitUntilTableExists } from "@aws-sdk/client-dynamodb";

type KeyType = "S" | "N";

/** A table's keys and indexes as plain data: what the stack declares and tests create alike. */
export interface TableSchema {
  readonly partitionKey: { readonly name: string; readonly type: KeyType };
  readonly sortKey: { readonly name: string; readonly type: KeyType };
  readonly globalSecondaryIndexes: readonly {
    readonly indexName: string;
    readonly partitionKey: { readonly name: string; readonly type: KeyType };
    readonly sortKey: { readonly name: string; readonly type: KeyType };
    readonly projectionType: "ALL" | "KEYS_ONLY";
  }[];
}

/**
 * Creates a table with exactly `schema`, on demand, and waits until it is active (tests and
 * tools; the stack declares its tables from the same schema).
 */
export async function createTable(
  client: DynamoDBClient,
  tableName: string,
  schema: TableSchema,
): Promise<void> {
  const { partitionKey, sortKey, globalSecondaryIndexes } = schema;
  const attributes = new Map<string, KeyType>();
  for (const key of [
    partitionKey,
    sortKey,
    ...globalSecondaryIndexes.flatMap((i) => [i.partitionKey, i.sortKey]),
  ])
    attributes.set(key.name, key.type);
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: [...attributes].map(([AttributeName, AttributeType]) => ({
        AttributeName,
        AttributeType,
      })),
      KeySchema: [
        { AttributeName: partitionKey.name, KeyType: "HASH" },
        { AttributeName: sortKey.name, KeyType: "RANGE" },
      ],
      GlobalSecondaryIndexes: globalSecondaryIndexes.map((index) => ({
        IndexName: index.indexName,
        KeySchema: [
          { AttributeName: index.partitionKey.name, KeyType: "HASH" },
          { AttributeName: index.sortKey.name, KeyType: "RANGE" },
        ],
        Projection: { ProjectionType: index.projectionType },
      })),
    }),
  );
  await waitUntilTableExists(
    { client, maxWaitTime: 120, minDelay: 1, maxDelay: 5 },
    { TableName: tableName },
  );
}
