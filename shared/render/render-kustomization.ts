import { stat } from "node:fs/promises";
import { join, posix } from "node:path";
import { SpecError } from "../api/errors.ts";
import { ReconcileError } from "../reconcile/reconciler.ts";
import type { SourceFile } from "../sources/source-file.ts";
import { type KubeObject, objectSubject } from "./kube-object.ts";
import { ORIGIN_ANNOTATION, prepareKustomization } from "./kustomization-file.ts";
import { runKustomize } from "./kustomize-exec.ts";
import { parseManifests } from "./manifests.ts";
import { filesForRender } from "./needed-files.ts";
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
  /**
   * When given, filled with the file each object came from (`Kind/namespace/name` → path in the
   * artifact), so messages about an object can name its file.
   */
  readonly origins?: Map<string, string>;
}

/** Reads and removes kustomize's origin annotation (unless the kustomization asked for it). */
function takeOrigins(
  objects: KubeObject[],
  specDir: string,
  keep: boolean,
  origins?: Map<string, string>,
): KubeObject[] {
  return objects.map((object) => {
    const origin = object.metadata.annotations?.[ORIGIN_ANNOTATION];
    if (origin === undefined) return object;
    const path = /^path: (.+)$/m.exec(origin)?.[1]?.trim();
    if (path && origins)
      origins.set(objectSubject(object), posix.normalize(posix.join(specDir || ".", path)));
    if (keep) return object;
    const { [ORIGIN_ANNOTATION]: _origin, ...annotations } = object.metadata.annotations ?? {};
    const { annotations: _all, ...metadata } = object.metadata;
    return {
      ...object,
      metadata: Object.keys(annotations).length > 0 ? { ...metadata, annotations } : metadata,
    } as KubeObject;
  });
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
  await writeTree(await filesForRender(input.files, relativePath, input.overlay), root);
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
  const prepared = await prepareKustomization(realRoot, realDir, input.overlay);
  if (!prepared.build) return [];
  await guardTree(realRoot);
  const output = await runKustomize({
    kubectl: input.kubectl,
    dir: realDir,
    root: realRoot,
    signal: input.signal,
    maxBytes: input.maxBytes,
  });
  const objects = parseManifests(output, `the kustomize build of '${shownPath}'`);
  const located = takeOrigins(objects, relativePath, prepared.keepOrigins, input.origins);
  return withCommonMetadata(located, input.overlay.commonMetadata);
}
