import { existsSync } from "node:fs";
import { lstat, readdir, readFile, readlink, stat } from "node:fs/promises";
import { dirname, join, relative, resolve, sep } from "node:path";
import { applyIgnoreRules } from "../../sources/ignore-rules.ts";
import type { SourceFile } from "../../sources/source-file.ts";
import { CliError } from "../errors.ts";

/** Folders never worth copying into a render: version control and package caches. */
const SKIPPED_DIRS = new Set([".git", "node_modules"]);
const MAX_FILES = 50_000;

/**
 * The repository root of a local folder: the nearest ancestor holding `.git`, so a kustomization
 * may refer to `../base` as it does in the source; the folder itself outside a repository.
 */
export function repositoryRoot(dir: string): string {
  let current = resolve(dir);
  for (;;) {
    if (existsSync(join(current, ".git"))) return current;
    const up = dirname(current);
    if (up === current) return resolve(dir);
    current = up;
  }
}

/**
 * A local folder as the files of an artifact, filtered by Flux's ignore rules (defaults and
 * `.sourceignore`) as the source would be. Files are read when rendered, not before.
 */
export async function readLocalTree(
  root: string,
  options: { readonly maxBytes: number },
): Promise<SourceFile[]> {
  const files: SourceFile[] = [];
  let bytes = 0;
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const full = join(dir, entry.name);
      const path = relative(root, full).split(sep).join("/");
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name)) await walk(full);
        continue;
      }
      if (files.length >= MAX_FILES)
        throw new CliError("Failed", `${root} holds more than ${MAX_FILES} files`, {
          hint: "point --path into a smaller repository, or list what to leave out in a .sourceignore",
        });
      if (entry.isSymbolicLink()) {
        const target = await readlink(full);
        files.push({ path, mode: "symlink", read: async () => new TextEncoder().encode(target) });
        continue;
      }
      if (!entry.isFile()) continue;
      const info = await lstat(full);
      bytes += info.size;
      const executable = (info.mode & 0o111) !== 0;
      files.push({ path, mode: executable ? "executable" : "file", read: () => readFile(full) });
    }
  };
  const info = await stat(root).catch(() => undefined);
  if (!info?.isDirectory()) throw new CliError("Invalid", `${root} is not a folder`);
  await walk(root);
  const kept = await applyIgnoreRules(files, { defaults: true });
  if (bytes > options.maxBytes)
    throw new CliError("Failed", `${root} holds more than ${Math.round(options.maxBytes / 1048576)} MiB`, {
      hint: "the same limit applies to sources; leave large files out with a .sourceignore",
    });
  return kept;
}
