import { type BucketConnection, BucketError } from "../../ports/buckets.ts";
import { ReconcileError } from "../../reconcile/reconciler.ts";
import { formatBytes } from "../artifact/tarball.ts";
import { memoryFile, type SourceFile } from "../source-file.ts";
import type { IndexEntry } from "./bucket-index.ts";

export interface FetchObjectsInput {
  readonly connection: BucketConnection;
  readonly entries: readonly IndexEntry[];
  readonly maxBytes: number;
  readonly bucketName: string;
  readonly signal: AbortSignal;
  /** Downloads in flight at once. @default 8 */
  readonly concurrency?: number;
}

export interface FetchedObjects {
  readonly files: SourceFile[];
  /** The entries as read: ETags of what was downloaded, objects deleted since the listing left out. */
  readonly entries: IndexEntry[];
}

/**
 * Downloads the objects a few at a time: enough to hide each request's latency, few enough to
 * keep memory and open sockets small. The byte budget is shared, so objects that grew since
 * the listing still cannot push the tree past the limit.
 */
export async function fetchObjects(input: FetchObjectsInput): Promise<FetchedObjects> {
  const queue = [...input.entries];
  const fetched: { entry: IndexEntry; bytes: Uint8Array }[] = [];
  let total = 0;
  const tooLarge = () =>
    new ReconcileError(
      "SizeLimitExceeded",
      `bucket '${input.bucketName}' content grew past the limit of ${formatBytes(input.maxBytes)} while downloading: narrow spec.prefix or exclude files with spec.ignore`,
    );
  const worker = async () => {
    for (let entry = queue.shift(); entry; entry = queue.shift()) {
      input.signal.throwIfAborted();
      try {
        const data = await input.connection.get(entry.key, {
          signal: input.signal,
          maxBytes: input.maxBytes - total,
        });
        total += data.bytes.byteLength;
        if (total > input.maxBytes) throw tooLarge();
        fetched.push({
          entry: { ...entry, etag: data.etag, size: data.bytes.byteLength },
          bytes: data.bytes,
        });
      } catch (error) {
        // Deleted between listing and download: it is simply not part of this revision.
        if (error instanceof BucketError && error.reason === "ObjectNotFound") continue;
        if (error instanceof BucketError && error.reason === "TooLarge") throw tooLarge();
        throw error;
      }
    }
  };
  const stopOthersOnFailure = () =>
    worker().catch((error: unknown) => {
      queue.length = 0;
      throw error;
    });
  const workers = Array.from({ length: Math.min(input.concurrency ?? 8, queue.length) }, stopOthersOnFailure);
  const results = await Promise.allSettled(workers);
  const failure = results.find((r) => r.status === "rejected");
  if (failure) throw failure.reason;
  return {
    files: fetched.map(({ entry, bytes }) => memoryFile(entry.path, bytes)),
    entries: fetched.map(({ entry }) => entry),
  };
}
