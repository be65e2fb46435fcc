import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, paginateQuery, type QueryCommandInput } from "@aws-sdk/lib-dynamodb";
import { type Clock, systemClock } from "../../ports/clock.ts";
import { PortError } from "../../ports/errors.ts";
import type { EventLog, EventQuery, EventSink, ReconcileEvent } from "../../ports/events.ts";
import { formatKey } from "../../ports/object-key.ts";
import { batchWriteAll } from "./batch-write.ts";
import { mapDynamoDbError } from "./dynamodb-errors.ts";
import {
  dayOf,
  EVENT_DAY,
  EVENT_EXPIRES_AT,
  EVENT_PARTITION_KEY,
  EVENT_SORT_KEY,
  RECENT_INDEX,
  timeKey,
} from "./event-table.ts";
import type { Item } from "./state-items.ts";

export interface DynamoDbEventLogOptions {
  /** The table made from eventTableSchema (see event-table.ts). */
  readonly tableName: string;
  /** @default a DynamoDBClient with 5 attempts */
  readonly client?: DynamoDBClient | DynamoDBDocumentClient;
  /** @default systemClock */
  readonly clock?: Clock;
  /** How long events are kept (their TTL), the same default as the local log's. @default 7 days */
  readonly maxAgeMs?: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** Another function's clock may run a little ahead: today's partition is not always the newest. */
const CLOCK_SKEW_MS = 5 * 60 * 1000;

/**
 * The AWS runtime's event log: `publish` writes each event as one item with a TTL, `list` reads
 * them back for `sluice events` (key design in event-table.ts). It is one of the two sinks the
 * functions publish to; EventBridge, the other, carries events to rules.
 */
export class DynamoDbEventLog implements EventSink, EventLog {
  readonly #db: DynamoDBDocumentClient;
  readonly #table: string;
  readonly #clock: Clock;
  readonly #maxAgeMs: number;

  constructor(options: DynamoDbEventLogOptions) {
    if (!options.tableName) throw new PortError("Invalid", "DynamoDbEventLog: tableName is required");
    const maxAgeMs = options.maxAgeMs ?? 7 * DAY_MS;
    if (!(maxAgeMs > 0)) throw new PortError("Invalid", "DynamoDbEventLog: maxAgeMs must be > 0");
    const client = options.client ?? new DynamoDBClient({ maxAttempts: 5 });
    this.#db = client instanceof DynamoDBDocumentClient ? client : DynamoDBDocumentClient.from(client);
    this.#table = options.tableName;
    this.#clock = options.clock ?? systemClock;
    this.#maxAgeMs = maxAgeMs;
  }

  async publish(events: readonly ReconcileEvent[]): Promise<void> {
    // Fixed-width and increasing within this process, so events of one millisecond keep publish order.
    const first = process.hrtime.bigint();
    const requests = events.map((event, i) => ({
      PutRequest: { Item: this.#item(event, first + BigInt(i)) },
    }));
    try {
      await batchWriteAll(this.#db, this.#table, requests, "events");
    } catch (error) {
      throw mapDynamoDbError(error, `write ${events.length} events to ${this.#table}`);
    }
  }

  async list(query: EventQuery): Promise<ReconcileEvent[]> {
    const { key, since, limit } = query;
    if (limit !== undefined && !(Number.isInteger(limit) && limit >= 0))
      throw new PortError("Invalid", `event limit must be a whole number ≥ 0, not ${limit}`);
    if (since !== undefined && !Number.isFinite(since))
      throw new PortError("Invalid", `event since must be a time in epoch ms, not ${since}`);
    if (limit === 0) return [];
    const now = this.#clock.now();
    // Expired items may linger until TTL gets to them: never show what is past its age.
    const from = Math.max(since ?? 0, now - this.#maxAgeMs);
    const newestFirst: ReconcileEvent[] = [];
    const wanted = limit ?? Number.POSITIVE_INFINITY;
    try {
      if (key) {
        await this.#collect(newestFirst, wanted, {
          KeyConditionExpression: "#pk = :pk AND #sk >= :from",
          ExpressionAttributeNames: { "#pk": EVENT_PARTITION_KEY, "#sk": EVENT_SORT_KEY },
          ExpressionAttributeValues: { ":pk": formatKey(key), ":from": timeKey(from) },
        });
      } else {
        for (let day = now + CLOCK_SKEW_MS; newestFirst.length < wanted; day -= DAY_MS) {
          await this.#collect(newestFirst, wanted, {
            IndexName: RECENT_INDEX,
            KeyConditionExpression: "#day = :day AND #sk >= :from",
            ExpressionAttributeNames: { "#day": EVENT_DAY, "#sk": EVENT_SORT_KEY },
            ExpressionAttributeValues: { ":day": dayOf(day), ":from": timeKey(from) },
          });
          if (dayOf(day) <= dayOf(from)) break;
        }
      }
    } catch (error) {
      throw mapDynamoDbError(error, `list events in ${this.#table}`);
    }
    return newestFirst.reverse();
  }

  /** Pages one Query newest first into `into` until it holds `wanted` events. */
  async #collect(into: ReconcileEvent[], wanted: number, input: Partial<QueryCommandInput>): Promise<void> {
    const pages = paginateQuery({ client: this.#db }, {
      TableName: this.#table,
      ScanIndexForward: false,
      ...input,
    } as QueryCommandInput);
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        into.push(toEvent(item));
        if (into.length >= wanted) return;
      }
    }
  }

  #item(event: ReconcileEvent, tiebreak: bigint): Item {
    return {
      [EVENT_PARTITION_KEY]: formatKey(event.key),
      [EVENT_SORT_KEY]: `${timeKey(event.timestamp)}#${tiebreak.toString().padStart(20, "0")}`,
      [EVENT_DAY]: dayOf(event.timestamp),
      [EVENT_EXPIRES_AT]: Math.ceil((event.timestamp + this.#maxAgeMs) / 1000),
      kind: event.key.kind,
      namespace: event.key.namespace,
      name: event.key.name,
      type: event.type,
      reason: event.reason,
      message: event.message,
      timestamp: event.timestamp,
      ...(event.revision !== undefined && { revision: event.revision }),
      ...(event.metadata !== undefined && { metadata: JSON.stringify(event.metadata) }),
    };
  }
}

function toEvent(item: Item): ReconcileEvent {
  return {
    key: { kind: item.kind, namespace: item.namespace, name: item.name },
    type: item.type,
    reason: item.reason,
    message: item.message,
    timestamp: Number(item.timestamp),
    ...(item.revision !== undefined && { revision: item.revision }),
    ...(item.metadata !== undefined && { metadata: JSON.parse(item.metadata) as Record<string, string> }),
  };
}
