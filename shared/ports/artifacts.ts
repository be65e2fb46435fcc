import type { Readable } from "node:stream";

/** `sha256:<64 hex>`: artifacts are addressed by the digest of their bytes. */
export type Digest = `sha256:${string}`;

export interface StoredArtifact {
  readonly digest: Digest;
  readonly size: number;
  /** Where an applier reads it: `file://…` locally, `s3://bucket/key` on AWS. */
  readonly url: string;
}

/**
 * Immutable, content-addressed blobs (source artifacts). Bodies stream, so a large chart or
 * repository never has to fit in memory.
 */
export interface ArtifactStore {
  /**
   * Stores the bytes under their digest. The bytes are hashed while they stream and the write
   * fails with an `Invalid` PortError, storing nothing, if they do not match `digest`.
   * Putting a digest that already exists is a cheap no-op.
   */
  put(digest: Digest, body: Readable | Uint8Array): Promise<StoredArtifact>;
  /** The bytes, streamed; `NotFound` PortError if absent. */
  get(digest: Digest): Promise<Readable>;
  /** Size and URL without reading the bytes; undefined if absent. */
  stat(digest: Digest): Promise<StoredArtifact | undefined>;
  /** Removes the artifact; absent is not an error. */
  delete(digest: Digest): Promise<void>;
}
