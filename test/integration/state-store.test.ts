import { randomUUID } from "node:crypto";
import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { DeleteTableCommand, DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { describe, expect, it, onTestFinished } from "vitest";
import { DynamoDbStateStore } from "../../shared/adapters/aws/dynamodb-state-store.ts";
import { createStateTable, stateTableSchema } from "../../shared/adapters/aws/state-table.ts";
import { openDatabase } from "../../shared/adapters/local/database.ts";
import { SqliteStateStore } from "../../shared/adapters/local/sqlite-state-store.ts";
import type { Clock } from "../../shared/ports/clock.ts";
import type { StateStore } from "../../shared/ports/state.ts";
import { stateStoreContract } from "../contract/state-store.contract.ts";
import { awsClientConfig } from "../env/context.ts";
import { portErrorOf } from "../helpers/port-error.ts";
import { sqliteAdapterInWorker } from "../helpers/sqlite-in-worker.ts";
import { tempDir } from "../helpers/temp-dir.ts";

const podinfo = { kind: "GitRepository", namespace: "flux-system", name: "podinfo" };
const podinfoInput = { key: podinfo, apiVersion: "source.toolkit.fluxcd.io/v1", metadata: {}, spec: {} };

// ---- SQLite ----

async function databaseFile(): Promise<string> {
  return join(await tempDir("sluice-state-"), "sluice.db");
}

function sqliteStore(path: string, clock?: Clock, busyTimeoutMs?: number): SqliteStateStore {
  const database = openDatabase({ path, ...(busyTimeoutMs === undefined ? {} : { busyTimeoutMs }) });
  onTestFinished(() => database.close());
  return new SqliteStateStore({ database, ...(clock ? { clock } : {}) });
}

const STORE_METHODS = [
  "putObject",
  "getObject",
  "listObjects",
  "deleteObject",
  "writeStatus",
  "acquireLease",
  "releaseLease",
  "setDueAt",
  "listDue",
] as const satisfies readonly (keyof StateStore)[];

function sqliteStoreInWorker(path: string, clock: Clock): Promise<StateStore> {
  return sqliteAdapterInWorker<StateStore>({
    path,
    clock,
    module: new URL("../../shared/adapters/local/sqlite-state-store.ts", import.meta.url),
    className: "SqliteStateStore",
    methods: STORE_METHODS,
  });
}

stateStoreContract("SqliteStateStore", async ({ clock }) => {
  const path = await databaseFile();
  return { store: sqliteStore(path, clock), other: () => sqliteStoreInWorker(path, clock) };
});

describe("SqliteStateStore", () => {
  it("indexes the references of objects stored before the reference index existed", async () => {
    const path = join(await tempDir("sluice-state-"), "sluice.db");
    const old = openDatabase({ path });
    // The table as it was before the refs column, with a Kustomization reading a GitRepository.
    old.exec(`CREATE TABLE state_objects (
      kind TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL, api_version TEXT NOT NULL,
      metadata TEXT NOT NULL, spec TEXT NOT NULL, generation INTEGER NOT NULL, status TEXT,
      status_version INTEGER NOT NULL DEFAULT 0, due_at INTEGER, lease_holder TEXT, lease_expires_at INTEGER,
      PRIMARY KEY (kind, namespace, name))`);
    old
      .prepare("INSERT INTO state_objects VALUES (?, ?, ?, ?, ?, ?, 1, NULL, 0, NULL, NULL, NULL)")
      .run(
        "Kustomization",
        "apps",
        "web",
        "kustomize.toolkit.fluxcd.io/v1",
        "{}",
        JSON.stringify({ sourceRef: { kind: "GitRepository", name: "fleet" } }),
      );
    old.close();
    const database = openDatabase({ path });
    onTestFinished(() => database.close());
    const store = new SqliteStateStore({ database });
    expect(
      await store.listReferrers({ kind: "GitRepository", namespace: "apps", name: "fleet" }, "source"),
    ).toEqual([{ kind: "Kustomization", namespace: "apps", name: "web" }]);
    expect(
      (await store.getObject({ kind: "Kustomization", namespace: "apps", name: "web" }))?.generation,
    ).toBe(1);
  });

  it("reports a database locked by another connection as Transient", async () => {
    const path = await databaseFile();
    const store = sqliteStore(path, undefined, 0);
    const holder = openDatabase({ path });
    onTestFinished(() => holder.close());
    new SqliteStateStore({ database: holder });
    holder.exec("BEGIN IMMEDIATE");
    onTestFinished(() => holder.exec("ROLLBACK"));

    expect((await portErrorOf(store.putObject(podinfoInput))).reason).toBe("Transient");
  });

  it("keeps its data across closing and reopening the file", async () => {
    const path = await databaseFile();
    const database = openDatabase({ path });
    const before = new SqliteStateStore({ database });
    const created = await before.putObject(podinfoInput);
    await before.writeStatus(podinfo, { ready: true }, created.statusVersion);
    database.close();

    const after = sqliteStore(path);
    expect(await after.getObject(podinfo)).toMatchObject({ generation: 1, status: { ready: true } });
  });
});

// ---- DynamoDB on moto ----

function dynamoClient(config: ConstructorParameters<typeof DynamoDBClient>[0] = {}): DynamoDBClient {
  const client = new DynamoDBClient({ ...awsClientConfig(), ...config });
  onTestFinished(() => client.destroy());
  return client;
}

async function stateTable(): Promise<string> {
  const client = dynamoClient();
  const tableName = `state-${randomUUID()}`;
  await createStateTable(client, tableName);
  onTestFinished(async () => {
    await client.send(new DeleteTableCommand({ TableName: tableName }));
  });
  return tableName;
}

stateStoreContract("DynamoDbStateStore (on moto)", async ({ clock }) => {
  const tableName = await stateTable();
  // Tiny pages, so every listing and every read of an object's items crosses page boundaries.
  const store = () => new DynamoDbStateStore({ client: dynamoClient(), tableName, clock, pageSize: 2 });
  return { store: store(), other: async () => store() };
});

/**
 * A pass-through to moto that first answers `throttled` requests as DynamoDB does when a
 * partition is over its limit: moto never throttles, and only a real HTTP answer exercises
 * the SDK's retry path.
 */
async function throttlingProxy(throttled: number): Promise<{ endpoint: string; requests: () => number }> {
  const target = new URL(awsClientConfig().endpoint);
  let requests = 0;
  const server = createServer((incoming, outgoing) => {
    requests++;
    if (requests <= throttled) {
      incoming.resume();
      outgoing.writeHead(400, { "content-type": "application/x-amz-json-1.0" });
      outgoing.end(
        JSON.stringify({
          __type: "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
          message: "The level of configured provisioned throughput for the table was exceeded.",
        }),
      );
      return;
    }
    const upstream = request(
      {
        host: target.hostname,
        port: target.port,
        path: incoming.url,
        method: incoming.method,
        headers: incoming.headers,
      },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    upstream.on("error", (error) => outgoing.destroy(error));
    incoming.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  onTestFinished(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests: () => requests };
}

describe("DynamoDbStateStore", () => {
  it("creates the table with exactly the published schema", async () => {
    const tableName = await stateTable();
    const { Table } = await dynamoClient().send(new DescribeTableCommand({ TableName: tableName }));
    const { partitionKey, sortKey, globalSecondaryIndexes } = stateTableSchema;
    expect(Table?.KeySchema).toEqual([
      { AttributeName: partitionKey.name, KeyType: "HASH" },
      { AttributeName: sortKey.name, KeyType: "RANGE" },
    ]);
    expect(Table?.BillingModeSummary?.BillingMode).toBe("PAY_PER_REQUEST");
    expect(
      Table?.GlobalSecondaryIndexes?.map((index) => ({
        indexName: index.IndexName,
        keys: index.KeySchema,
        projection: index.Projection?.ProjectionType,
      })),
    ).toEqual(
      globalSecondaryIndexes.map((index) => ({
        indexName: index.indexName,
        keys: [
          { AttributeName: index.partitionKey.name, KeyType: "HASH" },
          { AttributeName: index.sortKey.name, KeyType: "RANGE" },
        ],
        projection: index.projectionType,
      })),
    );
  });

  it("lets the SDK retry throttling and then succeeds", async () => {
    const tableName = await stateTable();
    const proxy = await throttlingProxy(2);
    const store = new DynamoDbStateStore({ client: dynamoClient({ endpoint: proxy.endpoint }), tableName });

    const created = await store.putObject(podinfoInput);
    expect(created.generation).toBe(1);
    expect(proxy.requests()).toBeGreaterThan(2);
  });

  it("reports throttling that outlasts the retries as Transient", async () => {
    const tableName = await stateTable();
    const proxy = await throttlingProxy(Number.POSITIVE_INFINITY);
    const client = dynamoClient({ endpoint: proxy.endpoint, maxAttempts: 2 });
    const store = new DynamoDbStateStore({ client, tableName });

    expect((await portErrorOf(store.getObject(podinfo))).reason).toBe("Transient");
    expect(proxy.requests()).toBe(2);
  });

  it("reports an unreachable endpoint as Transient", async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    const client = dynamoClient({ endpoint: `http://127.0.0.1:${port}`, maxAttempts: 1 });
    const store = new DynamoDbStateStore({ client, tableName: "state" });

    expect((await portErrorOf(store.listDue(0, 10))).reason).toBe("Transient");
  });

  it("reports a missing table as Invalid, not as a missing object", async () => {
    const store = new DynamoDbStateStore({ client: dynamoClient(), tableName: `absent-${randomUUID()}` });
    expect((await portErrorOf(store.getObject(podinfo))).reason).toBe("Invalid");
  });
});
