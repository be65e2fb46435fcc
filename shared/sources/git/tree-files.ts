import * as fs from "node:fs";
import git from "isomorphic-git";
import { ReconcileError } from "../../reconcile/reconciler.ts";
import { type SourceFile, safeRelativePath, symlinkTargetInside } from "../source-file.ts";

export interface TreeFilesInput {
  readonly gitdir: string;
  /** A commit (or tree) id present in `gitdir`. */
  readonly oid: string;
  /** isomorphic-git's object cache, shared with the fetch so pack indexes are read once. */
  readonly cache: object;
  /** `spec.sparseCheckout`: only these directories; the whole tree when absent or empty. */
  readonly sparse?: readonly string[] | undefined;
}

export interface GitTree {
  readonly files: SourceFile[];
  /** Paths of submodules (gitlinks) in the tree; their contents are not in `files`. */
  readonly submodules: string[];
}

/** Whether a directory is inside a sparse directory, or on the way to one. */
function wanted(dir: string, sparse: readonly string[]): "all" | "descend" | "skip" {
  for (const root of sparse) {
    if (dir === root || dir.startsWith(`${root}/`)) return "all";
  }
  return sparse.some((root) => root.startsWith(`${dir}/`)) ? "descend" : "skip";
}

/**
 * The files of a commit's tree as source files, read straight from the object store: no
 * worktree is written, and blobs are read only when a file's contents are asked for (after
 * ignore rules have dropped what is not needed). Symlinks are kept as links when their target
 * stays inside the tree and refused otherwise; they are never followed. Submodules are reported
 * by path, for the caller to decide about.
 */
export async function treeFiles(input: TreeFilesInput): Promise<GitTree> {
  const { gitdir, cache } = input;
  const sparse = (input.sparse ?? []).map((dir) => safeRelativePath(dir));
  const files: SourceFile[] = [];
  const submodules: string[] = [];
  const seenSparse = new Set<string>();

  /** `all`: this directory is wholly wanted; otherwise only the way down to a sparse directory. */
  async function visit(oid: string, dir: string, all: boolean): Promise<void> {
    const { tree } = await git.readTree({ fs, gitdir, oid, cache });
    for (const entry of tree) {
      const path = safeRelativePath(dir === "" ? entry.path : `${dir}/${entry.path}`);
      if (entry.type === "tree") {
        const scope = all ? "all" : wanted(path, sparse);
        if (scope === "skip") continue;
        if (sparse.includes(path)) seenSparse.add(path);
        await visit(entry.oid, path, scope === "all");
        continue;
      }
      if (!all) continue;
      if (entry.type === "commit") {
        submodules.push(path);
        continue;
      }
      const blob = entry.oid;
      const read = async () => (await git.readBlob({ fs, gitdir, oid: blob, cache })).blob;
      if (entry.mode === "120000") {
        const target = new TextDecoder().decode(await read());
        symlinkTargetInside(path, target);
        files.push({ path, mode: "symlink", read: async () => new TextEncoder().encode(target) });
        continue;
      }
      files.push({ path, mode: entry.mode === "100755" ? "executable" : "file", read });
    }
  }

  await visit(input.oid, "", sparse.length === 0);
  const missing = sparse.filter((dir) => !seenSparse.has(dir));
  if (missing.length > 0)
    throw new ReconcileError(
      "GitOperationFailed",
      `spec.sparseCheckout names ${missing.map((d) => `'${d}'`).join(", ")}, which ${missing.length === 1 ? "is not a directory" : "are not directories"} in this revision`,
    );
  return { files, submodules };
}
