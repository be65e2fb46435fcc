import { type BucketConnection, BucketError, type BucketObject } from "../../ports/buckets.ts";
import { applyIgnoreRules, SOURCE_IGNORE_FILE } from "../ignore-rules.ts";
import type { SourceFile } from "../source-file.ts";
import type { IndexEntry } from "./bucket-index.ts";

/** A `.sourceignore` larger than this is not a list of patterns. */
const MAX_IGNORE_FILE_BYTES = 1024 * 1024;

/**
 * The objects under the prefix, plus the bucket's root `.sourceignore` when a prefix hides it:
 * Flux reads that file whatever the prefix, so its rules (and its ETag, for the revision) count.
 */
export async function listBucket(
  connection: BucketConnection,
  prefix: string | undefined,
  signal: AbortSignal,
): Promise<BucketObject[]> {
  const objects = await connection.list(prefix, signal);
  if (!prefix || objects.some((o) => o.key === SOURCE_IGNORE_FILE)) return objects;
  const root = await connection.list(SOURCE_IGNORE_FILE, signal);
  return [...objects, ...root.filter((o) => o.key === SOURCE_IGNORE_FILE)];
}

/**
 * The entries left after `spec.ignore` and every `.sourceignore` in the listing. Only the
 * `.sourceignore` files are downloaded (they are tiny); the root one holds rules, not content,
 * and is left out of the artifact as Flux leaves it out.
 */
export async function withoutIgnored(
  entries: readonly IndexEntry[],
  input: { connection: BucketConnection; ignore: string | undefined; signal: AbortSignal },
): Promise<IndexEntry[]> {
  const files: SourceFile[] = entries.map((entry) => ({
    path: entry.path,
    mode: "file",
    read: () => readIgnoreFile(entry.key, input.connection, input.signal),
  }));
  const kept = new Set(
    (await applyIgnoreRules(files, { spec: input.ignore, defaults: false })).map((f) => f.path),
  );
  return entries.filter((e) => kept.has(e.path) && e.path !== SOURCE_IGNORE_FILE);
}

async function readIgnoreFile(key: string, connection: BucketConnection, signal: AbortSignal) {
  try {
    return (await connection.get(key, { signal, maxBytes: MAX_IGNORE_FILE_BYTES })).bytes;
  } catch (error) {
    // Deleted since the listing: no rules from it.
    if (error instanceof BucketError && error.reason === "ObjectNotFound") return new Uint8Array();
    throw error;
  }
}
