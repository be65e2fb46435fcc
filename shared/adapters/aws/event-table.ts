import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { createTable, type TableSchema } from "./create-table.ts";

/**
 * The event table: the event log `sluice events` and `sluice logs` read on AWS (EventBridge
 * carries events to rules but cannot be read back).
 *
 * | attribute   | what                                                                           |
 * | ----------- | ------------------------------------------------------------------------------ |
 * | `pk`        | the object, `Kind/namespace/name` (formatKey): one object's events are a Query  |
 * | `sk`        | `<timestamp, 15 digits>#<tiebreak>`: sorts by time, then by publish order        |
 * | `day`       | `day#YYYY-MM-DD` of the timestamp (UTC): partition key of the `recent` index    |
 * | `expiresAt` | epoch seconds; DynamoDB's TTL deletes the item some time after it              |
 * | the event   | kind, namespace, name, type, reason, message, timestamp, revision?, metadata?  |
 *
 * The `recent` index (partition `day`, sort `sk`, all attributes) serves "every object's events
 * since T": one Query per day walked back from today, newest first, stopping once the limit is
 * reached; a day is one index partition, far below its write limit at thousands of events a
 * minute. TTL deletion lags (up to days), so readers also skip items past `expiresAt`.
 */
export const EVENT_PARTITION_KEY = "pk";
export const EVENT_SORT_KEY = "sk";
export const EVENT_DAY = "day";
export const EVENT_EXPIRES_AT = "expiresAt";
export const RECENT_INDEX = "recent";

export const eventTableSchema = {
  partitionKey: { name: EVENT_PARTITION_KEY, type: "S" },
  sortKey: { name: EVENT_SORT_KEY, type: "S" },
  timeToLiveAttribute: EVENT_EXPIRES_AT,
  globalSecondaryIndexes: [
    {
      indexName: RECENT_INDEX,
      partitionKey: { name: EVENT_DAY, type: "S" },
      sortKey: { name: EVENT_SORT_KEY, type: "S" },
      projectionType: "ALL",
    },
  ],
} as const satisfies TableSchema & { timeToLiveAttribute: string };

const DAY_MS = 24 * 60 * 60 * 1000;

/** The `recent` index partition of a moment. */
export function dayOf(timestamp: number): string {
  return `day#${new Date(Math.floor(timestamp / DAY_MS) * DAY_MS).toISOString().slice(0, 10)}`;
}

/** The sort key's time part: fixed width, so string order is time order. */
export function timeKey(timestamp: number): string {
  return String(Math.max(0, Math.floor(timestamp))).padStart(15, "0");
}

/** Creates the event table with exactly eventTableSchema (tests and tools; the stack declares its own). */
export function createEventTable(client: DynamoDBClient, tableName: string): Promise<void> {
  return createTable(client, tableName, eventTableSchema);
}
