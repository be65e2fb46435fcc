import { posix } from "node:path";
import type { SourceFile } from "../sources/source-file.ts";
import type { KustomizeOverlay } from "./overlay.ts";
import { KUSTOMIZATION_FILES } from "./tree-guard.ts";

const decoder = new TextDecoder();

/**
 * The files a render of `specPath` (relative to the artifact root, "" for the root) can read.
 * kustomize resolves everything relative to the kustomization, so a folder whose kustomization
 * files never step up with `..`, and that holds no symlink (which could), needs only its own
 * subtree. Writing that instead of the whole artifact keeps a repository of a thousand apps
 * from costing a thousand whole trees per sync. Anything that might reach outside the folder
 * gets the whole artifact, as before.
 */
export async function filesForRender(
  files: readonly SourceFile[],
  specPath: string,
  overlay: Pick<KustomizeOverlay, "components">,
): Promise<readonly SourceFile[]> {
  if (specPath === "") return files;
  if (overlay.components?.some((c) => c.includes(".."))) return files;
  const prefix = `${specPath}/`;
  const subtree = files.filter((f) => f.path.startsWith(prefix));
  // Nothing there: the whole artifact, so a wrong path is reported as it always was.
  if (subtree.length === 0) return files;
  for (const file of subtree) {
    if (file.mode === "symlink") return files;
    const name = posix.basename(file.path);
    if (
      (KUSTOMIZATION_FILES as readonly string[]).includes(name) &&
      decoder.decode(await file.read()).includes("..")
    )
      return files;
  }
  return subtree;
}
