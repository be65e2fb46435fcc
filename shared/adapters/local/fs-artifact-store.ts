import { createHash, randomUUID } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, open, rename, rm, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { pathToFileURL } from "node:url";
import type { ArtifactStore, Digest, StoredArtifact } from "../../ports/artifacts.ts";
import { PortError } from "../../ports/errors.ts";
import { assertDigestMatches, digestHex, releaseBody } from "../artifact-digest.ts";

export interface FsArtifactStoreOptions {
  /** Root folder; artifacts live under `<dir>/sha256/<hex>`, the layout of an OCI blob store. */
  readonly dir: string;
}

/**
 * Artifacts as files named by their digest. Bytes are written to a hidden file beside the final
 * one while they are hashed and renamed into place only once the digest matches, so a reader
 * never sees a partial or wrong artifact, and a failed put leaves nothing behind.
 *
 * `put` owns the stream it is given: it reads it to the end, or destroys it unread when the
 * digest is already stored.
 */
export class FsArtifactStore implements ArtifactStore {
  readonly #dir: string;

  constructor(options: FsArtifactStoreOptions) {
    if (!options.dir) throw new TypeError("FsArtifactStore: dir is required");
    // Absolute, so the file:// URLs handed out stay valid whatever the process's cwd becomes.
    this.#dir = resolve(options.dir, "sha256");
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
    return this.#write(digest, body);
  }

  async #write(digest: Digest, body: Readable | Uint8Array): Promise<StoredArtifact> {
    const path = this.#path(digest);
    const expected = digest.slice("sha256:".length);
    const partial = join(this.#dir, `.${expected}.${randomUUID()}.partial`);
    const hash = createHash("sha256");
    let size = 0;
    try {
      await mkdir(this.#dir, { recursive: true });
      const source = body instanceof Readable ? body : Readable.from([body]);
      await pipeline(
        source,
        async function* (chunks: AsyncIterable<Uint8Array>) {
          for await (const chunk of chunks) {
            hash.update(chunk);
            size += chunk.byteLength;
            yield chunk;
          }
        },
        // flush: the bytes are on disk before the rename publishes them.
        createWriteStream(partial, { flags: "wx", flush: true }),
      );
      assertDigestMatches(digest, hash.digest("hex"));
      await rename(partial, path);
    } catch (error) {
      releaseBody(body);
      await rm(partial, { force: true });
      throw toPortError(error, digest, "write");
    }
    return { digest, size, url: pathToFileURL(path).href };
  }

  async get(digest: Digest): Promise<Readable> {
    const path = this.#path(digest);
    try {
      // Opened before returning, so a missing artifact fails here rather than mid-stream.
      const handle = await open(path, "r");
      return handle.createReadStream();
    } catch (error) {
      throw toPortError(error, digest, "read");
    }
  }

  async stat(digest: Digest): Promise<StoredArtifact | undefined> {
    const path = this.#path(digest);
    try {
      const info = await stat(path);
      return { digest, size: info.size, url: pathToFileURL(path).href };
    } catch (error) {
      const mapped = toPortError(error, digest, "read");
      if (mapped instanceof PortError && mapped.reason === "NotFound") return undefined;
      throw mapped;
    }
  }

  async delete(digest: Digest): Promise<void> {
    const path = this.#path(digest);
    try {
      await rm(path, { force: true });
    } catch (error) {
      throw toPortError(error, digest, "write");
    }
  }

  #path(digest: Digest): string {
    const hex = digestHex(digest);
    return join(this.#dir, hex);
  }
}

const TRANSIENT_CODES = new Set(["EAGAIN", "EBUSY", "EMFILE", "ENFILE", "EINTR"]);

/**
 * The one place file-system errors become port errors. Anything else (a full disk, a permission
 * problem, the caller's own stream failing) is passed on unchanged: no reason fits, and its own
 * message says more.
 */
function toPortError(error: unknown, digest: Digest, during: "read" | "write"): unknown {
  if (error instanceof PortError) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  // While writing, a missing file is the caller's stream failing, not a missing artifact.
  if (code === "ENOENT" && during === "read")
    return new PortError("NotFound", `artifact ${digest} not found`, { cause: error });
  if (code && TRANSIENT_CODES.has(code)) {
    return new PortError("Transient", `artifact ${digest}: ${code}`, { cause: error });
  }
  return error;
}
