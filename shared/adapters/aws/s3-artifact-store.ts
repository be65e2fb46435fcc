import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  type S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import type { ArtifactStore, Digest, StoredArtifact } from "../../ports/artifacts.ts";
import { PortError } from "../../ports/errors.ts";
import { assertDigestMatches, digestHex, releaseBody } from "../artifact-digest.ts";
import { isTransientSdkError, sdkErrorShape } from "./sdk-errors.ts";

export interface S3ArtifactStoreOptions {
  readonly client: S3Client;
  readonly bucket: string;
  /** Key prefix; a trailing `/` is added when missing. @default "" (the bucket's root) */
  readonly prefix?: string;
}

/**
 * Artifacts as S3 objects under `<prefix>sha256/<hex>`.
 *
 * A stream is hashed as it is uploaded with lib-storage's `Upload` (one PutObject for small
 * bodies, a multipart upload for large ones), and the hashing stage fails the stream at its very
 * end when the digest differs. `Upload` only sends the PutObject, or completes the multipart
 * upload, after the stream has ended, so a mismatch never creates the object: the PutObject is
 * never sent and the multipart upload is aborted. The object appears whole at completion, with
 * no temporary key to copy (CopyObject stops at 5 GB) or to leave behind. A process killed
 * mid-upload can leave an incomplete multipart upload; the bucket's lifecycle rule
 * (AbortIncompleteMultipartUpload) removes those.
 *
 * `put` owns the stream it is given: it reads it to the end, or destroys it unread when the
 * digest is already stored.
 */
export class S3ArtifactStore implements ArtifactStore {
  readonly #client: S3Client;
  readonly #bucket: string;
  readonly #prefix: string;

  constructor(options: S3ArtifactStoreOptions) {
    if (!options.client) throw new TypeError("S3ArtifactStore: client is required");
    if (!options.bucket) throw new TypeError("S3ArtifactStore: bucket is required");
    this.#client = options.client;
    this.#bucket = options.bucket;
    const prefix = options.prefix ?? "";
    this.#prefix = prefix === "" || prefix.endsWith("/") ? prefix : `${prefix}/`;
  }

  async put(digest: Digest, body: Readable | Uint8Array): Promise<StoredArtifact> {
    try {
      const stored = await this.stat(digest);
      if (stored) {
        releaseBody(body);
        return stored;
      }
    } catch (error) {
      releaseBody(body);
      throw error;
    }
    return body instanceof Readable ? this.#putStream(digest, body) : this.#putBytes(digest, body);
  }

  async #putBytes(digest: Digest, body: Uint8Array): Promise<StoredArtifact> {
    // Bytes in memory are checked before anything is sent.
    const actual = createHash("sha256").update(body).digest("hex");
    assertDigestMatches(digest, actual);
    await this.#upload(digest, body);
    return this.#stored(digest, body.byteLength);
  }

  async #putStream(digest: Digest, body: Readable): Promise<StoredArtifact> {
    let size = 0;
    const hash = createHash("sha256");
    const verified = Readable.from(
      (async function* () {
        for await (const chunk of body as AsyncIterable<Uint8Array>) {
          hash.update(chunk);
          size += chunk.byteLength;
          yield chunk;
        }
        assertDigestMatches(digest, hash.digest("hex"));
      })(),
    );
    try {
      await this.#upload(digest, verified);
    } finally {
      verified.destroy();
      body.destroy();
    }
    return this.#stored(digest, size);
  }

  async #upload(digest: Digest, body: Readable | Uint8Array): Promise<void> {
    const upload = new Upload({
      client: this.#client,
      params: { Bucket: this.#bucket, Key: this.#key(digest), Body: body },
    });
    try {
      await upload.done();
    } catch (error) {
      throw toPortError(error, digest);
    }
  }

  async get(digest: Digest): Promise<Readable> {
    const Key = this.#key(digest);
    try {
      const { Body } = await this.#client.send(new GetObjectCommand({ Bucket: this.#bucket, Key }));
      if (!(Body instanceof Readable)) throw new TypeError(`S3 returned no readable body for ${digest}`);
      return Body;
    } catch (error) {
      throw toPortError(error, digest);
    }
  }

  async stat(digest: Digest): Promise<StoredArtifact | undefined> {
    const Key = this.#key(digest);
    try {
      const head = await this.#client.send(new HeadObjectCommand({ Bucket: this.#bucket, Key }));
      return this.#stored(digest, head.ContentLength ?? 0);
    } catch (error) {
      const mapped = toPortError(error, digest);
      if (mapped instanceof PortError && mapped.reason === "NotFound") return undefined;
      throw mapped;
    }
  }

  async delete(digest: Digest): Promise<void> {
    const Key = this.#key(digest);
    try {
      // S3 answers a delete of an absent key with success, as the port wants.
      await this.#client.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key }));
    } catch (error) {
      throw toPortError(error, digest);
    }
  }

  #key(digest: Digest): string {
    const hex = digestHex(digest);
    return `${this.#prefix}sha256/${hex}`;
  }

  #stored(digest: Digest, size: number): StoredArtifact {
    return { digest, size, url: `s3://${this.#bucket}/${this.#key(digest)}` };
  }
}

const NOT_FOUND = new Set(["NoSuchKey", "NotFound"]);

/**
 * The one place S3 and network errors become port errors. Others (access denied, a missing
 * bucket, the caller's own stream failing) pass unchanged: they are set-up faults no retry
 * fixes, and the SDK's error names them best.
 */
function toPortError(error: unknown, digest: Digest): unknown {
  if (error instanceof PortError) return error;
  if (error instanceof S3ServiceException && NOT_FOUND.has(error.name))
    return new PortError("NotFound", `artifact ${digest} not found`, { cause: error });
  if (!isTransientSdkError(error)) return error;
  const { name, code } = sdkErrorShape(error);
  const what = error instanceof S3ServiceException ? `S3 ${error.name}` : (code ?? name ?? "unknown error");
  return new PortError("Transient", `artifact ${digest}: ${what}`, { cause: error });
}
