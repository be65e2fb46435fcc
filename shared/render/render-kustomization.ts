import { stat } from "node:fs/promises";
import { join, posix } from "node:path";
import { SpecError } from "../api/errors.ts";
import { ReconcileError } from "../reconcile/reconciler.ts";
import type { SourceFile } from "../sources/source-file.ts";
import type { KubeObject } from "./kube-object.ts";
import { prepareKustomization } from "./kustomization-file.ts";
import { runKustomize } from "./kustomize-exec.ts";
import { parseManifests } from "./manifests.ts";
import type { KustomizeOverlay } from "./overlay.ts";
import { guardTree } from "./tree-guard.ts";
import { isInside, realpathOrUndefined, writeTree } from "./write-tree.ts";

export interface RenderInput {
  readonly files: readonly SourceFile[];
  /** spec.path, relative to the artifact root; default "./". */
  readonly path: string;
  readonly overlay: KustomizeOverlay;
  /** The kubectl binary; `kubectl kustomize` does the build. */
  readonly kubectl: string;
  /** Scratch folder; the caller removes it. */
  readonly workDir: string;
  readonly signal: AbortSignal;
  /** Cap on kustomize's output. */
  readonly maxBytes: number;
}

/** spec.path as a folder relative to the artifact root ("" for the root); SpecError if it escapes. */
export function normalizeSpecPath(raw: string): string {
  const relative = posix
    .normalize(raw.trim() || ".")
    .replace(/^\/+/, "")
    .replace(/\/+$/, "");
  if (relative === ".." || relative.startsWith("../") || raw.includes("\0") || raw.includes("\\"))
    throw new SpecError(
      "InvalidSpec",
      "spec.path",
      `must stay inside the source artifact, got ${JSON.stringify(raw)}`,
    );
  return relative === "." ? "" : relative;
}

/** Flux sets commonMetadata on each object's own metadata, overriding keys already there. */
function withCommonMetadata(objects: KubeObject[], meta: KustomizeOverlay["commonMetadata"]): KubeObject[] {
  if (!meta?.labels && !meta?.annotations) return objects;
  return objects.map((object) => ({
    ...object,
    metadata: {
      ...object.metadata,
      ...(meta.labels ? { labels: { ...object.metadata.labels, ...meta.labels } } : {}),
      ...(meta.annotations ? { annotations: { ...object.metadata.annotations, ...meta.annotations } } : {}),
    },
  }));
}

/**
 * Builds spec.path of an artifact the way Flux's kustomize-controller does: the kustomization
 * there (or one generated over its manifests) with the overlay folded in, built by kustomize.
 * Returns the objects before post-build variable substitution.
 */
export async function renderKustomization(input: RenderInput): Promise<KubeObject[]> {
  const relativePath = normalizeSpecPath(input.path);
  const shownPath = `./${relativePath}`;
  const root = join(input.workDir, "source");
  await writeTree(input.files, root);
  const realRoot = (await realpathOrUndefined(root)) ?? root;
  const dir = join(realRoot, relativePath);
  const found = await stat(dir).catch(() => undefined);
  if (!found)
    throw new ReconcileError(
      "ArtifactFailed",
      `kustomization path not found: '${shownPath}' does not exist in the source artifact; check spec.path`,
    );
  if (!found.isDirectory())
    throw new ReconcileError(
      "ArtifactFailed",
      `kustomization path '${shownPath}' is a file, not a folder; check spec.path`,
    );
  const realDir = await realpathOrUndefined(dir);
  if (!realDir || !isInside(realRoot, realDir))
    throw new ReconcileError(
      "BuildFailed",
      `kustomization path '${shownPath}' leads outside the source artifact`,
    );
  input.signal.throwIfAborted();
  if (!(await prepareKustomization(realRoot, realDir, input.overlay))) return [];
  await guardTree(realRoot);
  const output = await runKustomize({
    kubectl: input.kubectl,
    dir: realDir,
    root: realRoot,
    signal: input.signal,
    maxBytes: input.maxBytes,
  });
  const objects = parseManifests(output, `the kustomize build of '${shownPath}'`);
  return withCommonMetadata(objects, input.overlay.commonMetadata);
}
