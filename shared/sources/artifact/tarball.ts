import { createHash } from "node:crypto";
import { constants, createGzip } from "node:zlib";
import { pack } from "tar-stream";
import type { Digest } from "../../ports/index.ts";
import { ReconcileError } from "../../reconcile/reconciler.ts";
import type { SourceFile } from "../source-file.ts";

export interface Tarball {
  readonly bytes: Uint8Array;
  readonly digest: Digest;
  readonly size: number;
}

export interface PackOptions {
  /** Refuses trees whose file contents add up to more than this. */
  readonly maxBytes: number;
}

/** Every entry gets the same owner and time, so the same tree always packs to the same bytes. */
const EPOCH = new Date(0);
const OWNER = { uid: 0, gid: 0, uname: "", gname: "", mtime: EPOCH } as const;

function parentsOf(path: string): string[] {
  const parts = path.split("/");
  return parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join("/"));
}

function byPath(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Packs a source tree into a deterministic tar.gz: entries sorted by path, folders made
 * explicit, fixed modes (0644, 0755 for executables and folders), owner and time, fixed gzip
 * level. The digest names the artifact, so equal trees are stored once.
 */
export async function packTarball(files: readonly SourceFile[], options: PackOptions): Promise<Tarball> {
  const sorted = [...files].sort((a, b) => byPath(a.path, b.path));
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]?.path === sorted[i - 1]?.path)
      throw new ReconcileError("ArtifactFailed", `the source tree has two entries for ${sorted[i]?.path}`);
  }
  const dirs = [...new Set(sorted.flatMap((f) => parentsOf(f.path)))];
  const entries = [
    ...dirs.map((path) => ({ path, dir: true as const })),
    ...sorted.map((file) => ({ path: file.path, dir: false as const, file })),
  ].sort((a, b) => byPath(a.path, b.path));

  const tar = pack();
  const gzip = createGzip({ level: constants.Z_DEFAULT_COMPRESSION });
  const hash = createHash("sha256");
  const chunks: Buffer[] = [];
  gzip.on("data", (chunk: Buffer) => {
    hash.update(chunk);
    chunks.push(chunk);
  });
  const finished = new Promise<void>((resolve, reject) => {
    gzip.on("end", resolve);
    gzip.on("error", reject);
    tar.on("error", reject);
  });
  tar.pipe(gzip);

  let total = 0;
  try {
    for (const entry of entries) {
      if (entry.dir) {
        tar.entry({ ...OWNER, name: `${entry.path}/`, type: "directory", mode: 0o755 });
        continue;
      }
      const data = await entry.file.read();
      if (entry.file.mode === "symlink") {
        tar.entry({
          ...OWNER,
          name: entry.path,
          type: "symlink",
          linkname: new TextDecoder().decode(data),
          mode: 0o777,
        });
        continue;
      }
      total += data.byteLength;
      if (total > options.maxBytes)
        throw new ReconcileError(
          "SizeLimitExceeded",
          `the source tree is larger than the ${formatBytes(options.maxBytes)} limit`,
        );
      const mode = entry.file.mode === "executable" ? 0o755 : 0o644;
      await new Promise<void>((resolve, reject) =>
        tar.entry(
          { ...OWNER, name: entry.path, type: "file", mode, size: data.byteLength },
          Buffer.from(data),
          (e) => (e ? reject(e) : resolve()),
        ),
      );
    }
    tar.finalize();
    await finished;
  } catch (error) {
    tar.destroy();
    gzip.destroy();
    throw error;
  }
  const bytes = Buffer.concat(chunks);
  return { bytes, digest: `sha256:${hash.digest("hex")}`, size: bytes.byteLength };
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Math.round((bytes / 1024 / 1024) * 10) / 10} MiB`;
  if (bytes >= 1024) return `${Math.round((bytes / 1024) * 10) / 10} KiB`;
  return `${bytes} B`;
}
