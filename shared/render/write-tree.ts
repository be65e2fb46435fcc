import { mkdir, realpath, symlink, writeFile } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { type SourceFile, safeRelativePath, symlinkTargetInside } from "../sources/source-file.ts";

/** Files written at once: enough to overlap I/O without holding a whole large tree in memory. */
const PARALLEL_WRITES = 32;

/**
 * Writes an artifact's files under `root` for kustomize to read. Symlinks are recreated only when
 * their target stays inside the tree, so nothing kustomize follows can lead out of it.
 */
export async function writeTree(files: readonly SourceFile[], root: string): Promise<void> {
  await mkdir(root, { recursive: true });
  const made = new Set<string>();
  const ensureDir = async (dir: string) => {
    if (made.has(dir)) return;
    await mkdir(dir, { recursive: true });
    made.add(dir);
  };
  for (let i = 0; i < files.length; i += PARALLEL_WRITES) {
    await Promise.all(
      files.slice(i, i + PARALLEL_WRITES).map(async (file) => {
        const path = safeRelativePath(file.path);
        const target = join(root, path);
        await ensureDir(dirname(target));
        const data = await file.read();
        if (file.mode === "symlink") {
          const link = new TextDecoder().decode(data);
          symlinkTargetInside(path, link);
          await symlink(link, target);
        } else await writeFile(target, data, { mode: file.mode === "executable" ? 0o755 : 0o644 });
      }),
    );
  }
}

/** Whether `path` is `root` or below it, both already absolute and normalised. */
export function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !rel.startsWith(sep));
}

/** The real path when it exists, else undefined. */
export async function realpathOrUndefined(path: string): Promise<string | undefined> {
  try {
    return await realpath(path);
  } catch {
    return undefined;
  }
}
