import type { SourceFile } from "../source-file.ts";

export interface ArtifactFilesCacheOptions {
  /** Unpacked bytes kept at most; the least recently used artifacts go first. */
  readonly maxBytes: number;
}

/** What a runtime keeps by default: a few revisions of a large repository. */
export const DEFAULT_ARTIFACT_FILES_CACHE_BYTES = 64 * 1024 * 1024;

interface Entry {
  readonly files: Promise<readonly SourceFile[]>;
  bytes: number;
}

/**
 * Unpacked artifacts by digest, for one process. An artifact never changes under its digest, so
 * the hundred Kustomizations that read one repository after a push download and unpack it once,
 * not a hundred times. Bounded by bytes; concurrent readers of one digest share one load.
 */
export class ArtifactFilesCache {
  readonly #maxBytes: number;
  readonly #entries = new Map<string, Entry>();
  #bytes = 0;

  constructor(options: ArtifactFilesCacheOptions) {
    this.#maxBytes = options.maxBytes;
  }

  async get(digest: string, load: () => Promise<SourceFile[]>): Promise<readonly SourceFile[]> {
    const cached = this.#entries.get(digest);
    if (cached) {
      // Most recently used last: Map keeps insertion order.
      this.#entries.delete(digest);
      this.#entries.set(digest, cached);
      return cached.files;
    }
    const entry: Entry = { files: load(), bytes: 0 };
    this.#entries.set(digest, entry);
    let files: readonly SourceFile[];
    try {
      files = await entry.files;
    } catch (error) {
      this.#entries.delete(digest);
      throw error;
    }
    entry.bytes = (await Promise.all(files.map(async (f) => (await f.read()).byteLength))).reduce(
      (a, b) => a + b,
      0,
    );
    if (this.#entries.get(digest) === entry) this.#bytes += entry.bytes;
    this.#evict();
    return files;
  }

  #evict(): void {
    for (const [digest, entry] of this.#entries) {
      if (this.#bytes <= this.#maxBytes) return;
      this.#entries.delete(digest);
      this.#bytes -= entry.bytes;
    }
  }
}
