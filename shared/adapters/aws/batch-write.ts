import { setTimeout as sleep } from "node:timers/promises";
import {
  BatchWriteCommand,
  type BatchWriteCommandInput,
  type DynamoDBDocumentClient,
} from "@aws-sdk/lib-dynamodb";
import { PortError } from "../../ports/errors.ts";

export type WriteRequest = NonNullable<BatchWriteCommandInput["RequestItems"]>[string][number];

/** BatchWriteItem's own limit. */
const BATCH = 25;
/** Rounds of retrying what BatchWriteItem left unprocessed (throttling) before reporting it. */
const UNPROCESSED_ROUNDS = 6;

/**
 * Sends puts and deletes to one table in batches of 25; what a batch leaves unprocessed is sent
 * again with backoff a bounded number of times, then reported as `Transient` naming `what`.
 * SDK errors are thrown as they are, for the caller's own mapping.
 */
export async function batchWriteAll(
  db: DynamoDBDocumentClient,
  table: string,
  requests: readonly WriteRequest[],
  what: string,
): Promise<void> {
  for (let start = 0; start < requests.length; start += BATCH) {
    let pending = requests.slice(start, start + BATCH);
    for (let round = 0; pending.length > 0; round++) {
      if (round >= UNPROCESSED_ROUNDS)
        throw new PortError(
          "Transient",
          `${pending.length} of ${requests.length} ${what} were not written to ${table}: throttled`,
        );
      if (round > 0) await sleep(50 * 2 ** round);
      const result = await db.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
      pending = result.UnprocessedItems?.[table] ?? [];
    }
  }
}
