import { ReconcileError } from "../reconcile/reconciler.ts";

export type SourceFileMode = "file" | "executable" | "symlink";

/**
 * One file of a source tree, whatever it came from (a Git tree, a bucket, an OCI layer).
 * Contents are read lazily so a large tree is walked and filtered before any blob is loaded.
 */
export interface SourceFile {
  /** Relative POSIX path: no leading `/` or `./`, no `.` or `..` segments (see `safeRelativePath`). */
  readonly path: string;
  readonly mode: SourceFileMode;
  /** The bytes; for a symlink, its target path. */
  read(): Promise<Uint8Array>;
}

/** A file already in memory. */
export function memoryFile(
  path: string,
  data: Uint8Array | string,
  mode: SourceFileMode = "file",
): SourceFile {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  return { path: safeRelativePath(path), mode, read: async () => bytes };
}

/**
 * Normalises a path inside a source tree, refusing anything that could land outside it:
 * absolute paths, `..` segments, NUL bytes, backslashes (a Windows separator on some tools).
 */
export function safeRelativePath(raw: string): string {
  const escapes = () =>
    new ReconcileError("PathEscapesRoot", `refused path ${JSON.stringify(raw)}: it escapes the source root`);
  if (raw.includes("\0") || raw.includes("\\") || raw.startsWith("/")) throw escapes();
  const segments: string[] = [];
  for (const segment of raw.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") throw escapes();
    segments.push(segment);
  }
  if (segments.length === 0)
    throw new ReconcileError("PathEscapesRoot", `refused empty path ${JSON.stringify(raw)}`);
  return segments.join("/");
}

/**
 * A symlink is kept only when its target stays inside the tree; it is never followed.
 * Returns the target normalised relative to the root.
 */
export function symlinkTargetInside(linkPath: string, target: string): string {
  const refused = () =>
    new ReconcileError(
      "PathEscapesRoot",
      `refused symlink ${linkPath} -> ${target}: its target is outside the source root`,
    );
  if (target.startsWith("/") || target.includes("\0")) throw refused();
  const parts = linkPath.split("/").slice(0, -1);
  for (const segment of target.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") {
      if (parts.length === 0) throw refused();
      parts.pop();
    } else parts.push(segment);
  }
  return parts.join("/");
}
