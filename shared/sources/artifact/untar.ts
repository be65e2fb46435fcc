import { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { extract } from "tar-stream";
import { ReconcileError } from "../../reconcile/reconciler.ts";
import { memoryFile, type SourceFile, safeRelativePath, symlinkTargetInside } from "../source-file.ts";
import { formatBytes } from "./tarball.ts";

export interface UntarOptions {
  /** Refuses archives whose file contents add up to more than this. */
  readonly maxBytes: number;
  /** Drops this many leading path segments, as `tar --strip-components` does. */
  readonly stripComponents?: number;
  /** Whether the bytes are gzip-compressed. @default true */
  readonly gzip?: boolean;
}

/**
 * Reads a (gzipped) tar archive into memory as source files. Entries that would land outside
 * the root (absolute, `..`, a symlink pointing out) are refused, not skipped, so a malicious
 * archive fails loudly; hard links, devices and FIFOs are refused too. Folders are implied.
 */
export async function readTarball(body: Uint8Array | Readable, options: UntarOptions): Promise<SourceFile[]> {
  const input = body instanceof Readable ? body : Readable.from([Buffer.from(body)]);
  const tar = extract();
  const files: SourceFile[] = [];
  let total = 0;
  const strip = options.stripComponents ?? 0;
  const source = options.gzip === false ? input : input.pipe(createGunzip());
  source.on("error", (error) => tar.destroy(error));
  source.pipe(tar);
  try {
    for await (const entry of tar) {
      const { name, type } = entry.header;
      const stripped = name.split("/").slice(strip).join("/");
      if (type === "directory" || stripped === "" || stripped === "./") {
        entry.resume();
        continue;
      }
      const path = safeRelativePath(stripped);
      if (type === "symlink") {
        entry.resume();
        const target = entry.header.linkname ?? "";
        symlinkTargetInside(path, target);
        files.push(memoryFile(path, target, "symlink"));
        continue;
      }
      if (type !== "file" && type !== "contiguous-file") {
        entry.resume();
        throw new ReconcileError(
          "ArchiveInvalid",
          `refused archive entry ${path}: ${type} entries are not allowed`,
        );
      }
      const chunks: Buffer[] = [];
      for await (const chunk of entry as AsyncIterable<Buffer>) {
        total += chunk.length;
        if (total > options.maxBytes)
          throw new ReconcileError(
            "SizeLimitExceeded",
            `the archive unpacks to more than the ${formatBytes(options.maxBytes)} limit`,
          );
        chunks.push(chunk);
      }
      const executable = ((entry.header.mode ?? 0) & 0o111) !== 0;
      files.push(memoryFile(path, Buffer.concat(chunks), executable ? "executable" : "file"));
    }
  } catch (error) {
    tar.destroy();
    input.destroy();
    if (error instanceof ReconcileError) throw error;
    throw new ReconcileError("ArchiveInvalid", `the archive could not be read: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return files;
}
