import { createHash } from "node:crypto";
import type { Digest } from "../../ports/artifacts.ts";
import type { BucketObject } from "../../ports/buckets.ts";
import { ReconcileError } from "../../reconcile/reconciler.ts";
import { safeRelativePath } from "../source-file.ts";

/** One object that will become a file of the artifact. */
export interface IndexEntry {
  readonly key: string;
  /** The key as a path inside the artifact (the key itself, normalised; the prefix is kept, as Flux keeps it). */
  readonly path: string;
  readonly etag: string;
  readonly size: number;
}

/**
 * The listing as artifact files: folder markers (keys ending in `/`) dropped, every other key
 * checked to stay inside the artifact. A key that escapes is refused, not skipped, so a
 * tampered bucket fails loudly instead of producing a partial artifact.
 */
export function indexEntries(objects: readonly BucketObject[], bucketName: string): IndexEntry[] {
  const byPath = new Map<string, IndexEntry>();
  for (const object of objects) {
    if (object.key.endsWith("/")) continue;
    let path: string;
    try {
      path = safeRelativePath(object.key);
    } catch (error) {
      throw new ReconcileError(
        "PathEscapesRoot",
        `object key ${JSON.stringify(object.key)} in bucket '${bucketName}' escapes the artifact root: rename or remove the object`,
        { cause: error },
      );
    }
    const clash = byPath.get(path);
    if (clash)
      throw new ReconcileError(
        "PathEscapesRoot",
        `object keys ${JSON.stringify(clash.key)} and ${JSON.stringify(object.key)} in bucket '${bucketName}' are the same path '${path}': rename or remove one of them`,
      );
    byPath.set(path, { key: object.key, path, etag: object.etag, size: object.size });
  }
  return [...byPath.values()];
}

/**
 * The revision of a set of objects: the digest of their keys and ETags, in key order, so the
 * same bucket content gives the same revision however the server orders its listing, and any
 * changed, added or removed object gives a new one without reading a byte of content.
 */
export function listingRevision(entries: readonly { readonly key: string; readonly etag: string }[]): Digest {
  const sorted = [...entries].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const hash = createHash("sha256");
  // JSON keeps a key with a tab or newline in it from colliding with another pair.
  for (const { key, etag } of sorted) hash.update(`${JSON.stringify([key, etag])}\n`);
  return `sha256:${hash.digest("hex")}`;
}

export function totalSize(entries: readonly { readonly size: number }[]): number {
  return entries.reduce((sum, e) => sum + e.size, 0);
}
