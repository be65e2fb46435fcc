import type { ConditionInput } from "../../api/conditions.ts";
import type { ArtifactStore, Digest, StoredObject } from "../../ports/index.ts";
import type { ReconcileResult } from "../../reconcile/reconciler.ts";
import { ARTIFACT_UPDATED } from "../../reconcile/wake-dependents.ts";
import { limitsOf, type SourceDeps } from "../source-deps.ts";
import type { SourceFile } from "../source-file.ts";
import { collectArtifactGarbage } from "./garbage.ts";
import { packTarball } from "./tarball.ts";

/** `status.artifact` in Flux's shape, with the URL an applier reads from the artifact store. */
export interface ArtifactStatus {
  /** `main@sha1:<hex>`, `v1.2.3@sha1:<hex>`, `<tag>@sha256:<hex>`, `sha256:<hex>`, or a chart version. */
  readonly revision: string;
  readonly digest: Digest;
  readonly size: number;
  readonly url: string;
  /** RFC 3339. */
  readonly lastUpdateTime: string;
  readonly metadata?: Readonly<Record<string, string>>;
}

export const ARTIFACT_IN_STORAGE = "ArtifactInStorage";

export { ARTIFACT_UPDATED };

export function artifactOf(object: StoredObject): ArtifactStatus | undefined {
  const artifact = object.status?.artifact;
  return artifact && typeof artifact === "object" ? (artifact as ArtifactStatus) : undefined;
}

/**
 * True when the last run already stored this revision from this generation of the spec and the
 * bytes are still in the store: the caller can stop before downloading anything.
 */
export async function isArtifactCurrent(
  object: StoredObject,
  revision: string,
  artifacts: ArtifactStore,
): Promise<boolean> {
  const artifact = artifactOf(object);
  if (!artifact || artifact.revision !== revision) return false;
  if (object.status?.observedGeneration !== object.generation) return false;
  return (await artifacts.stat(artifact.digest)) !== undefined;
}

export type ArtifactContent =
  /** A tree, packed into a deterministic tar.gz. */
  | { readonly files: readonly SourceFile[] }
  /** Bytes stored as they are (a Helm index, a packaged chart). */
  | { readonly bytes: Uint8Array; readonly digest: Digest };

export interface PublishInput {
  readonly object: StoredObject;
  readonly revision: string;
  readonly content: ArtifactContent;
  readonly now: number;
  readonly metadata?: Readonly<Record<string, string>>;
  /** Kind-specific status fields kept beside the artifact (includedArtifacts, url, …). */
  readonly status?: Readonly<Record<string, unknown>>;
  /** What the revision is, for messages: "commit", "digest", "chart version". */
  readonly noun?: string;
}

function unchangedResult(
  previous: ArtifactStatus,
  extraStatus: Readonly<Record<string, unknown>> | undefined,
  retained: readonly Digest[],
): ReconcileResult {
  return {
    message: `stored artifact for revision '${previous.revision}'`,
    status: { ...extraStatus, artifact: previous, retainedArtifacts: retained },
    conditions: [storedCondition(previous.revision)],
  };
}

/**
 * What publishArtifact returns for an unchanged artifact, for a reconciler that stopped early
 * because isArtifactCurrent said so: the same result, so the loop writes nothing.
 */
export function currentArtifactResult(
  object: StoredObject,
  extraStatus?: Readonly<Record<string, unknown>>,
): ReconcileResult {
  const artifact = artifactOf(object);
  if (!artifact) throw new Error(`currentArtifactResult: ${object.key.name} has no artifact`);
  const retained = retainedOf(object);
  return unchangedResult(artifact, extraStatus, retained.length > 0 ? retained : [artifact.digest]);
}

function storedCondition(revision: string): ConditionInput {
  return {
    type: ARTIFACT_IN_STORAGE,
    status: "True",
    reason: "Succeeded",
    message: `stored artifact for revision '${revision}'`,
  };
}

export function retainedOf(object: StoredObject): Digest[] {
  const list = object.status?.retainedArtifacts;
  return Array.isArray(list) ? (list as Digest[]) : [];
}

/**
 * Stores a source's content as an immutable artifact and builds the status that points at it.
 * The same bytes are never stored twice (content addressing); when the digest is the one
 * already published, nothing is written and no event is sent. A new artifact keeps the last
 * few older ones for appliers still reading them and deletes the rest.
 */
export async function publishArtifact(input: PublishInput, deps: SourceDeps): Promise<ReconcileResult> {
  const limits = limitsOf(deps);
  const { bytes, digest } =
    "files" in input.content
      ? await packTarball(input.content.files, { maxBytes: limits.maxArtifactBytes })
      : input.content;
  const previous = artifactOf(input.object);
  const retained = retainedOf(input.object);
  if (previous && previous.digest === digest && previous.revision === input.revision) {
    if (!(await deps.artifacts.stat(digest))) await deps.artifacts.put(digest, bytes);
    return unchangedResult(previous, input.status, retained.length > 0 ? retained : [digest]);
  }
  const stored = await deps.artifacts.put(digest, bytes);
  const artifact: ArtifactStatus = {
    revision: input.revision,
    digest,
    size: stored.size,
    url: stored.url,
    lastUpdateTime: new Date(input.now).toISOString(),
    ...(input.metadata ? { metadata: input.metadata } : {}),
  };
  const history = [digest, ...retained.filter((d) => d !== digest)];
  const keep = history.slice(0, Math.max(1, limits.keepArtifacts));
  await collectArtifactGarbage({ object: input.object, dropped: history.slice(keep.length), deps });
  const message = `stored artifact for ${input.noun ?? "revision"} '${input.revision}'`;
  return {
    message: `stored artifact for revision '${input.revision}'`,
    status: { ...input.status, artifact, retainedArtifacts: keep },
    conditions: [storedCondition(input.revision)],
    events: [{ type: "Normal", reason: ARTIFACT_UPDATED, message, revision: input.revision }],
  };
}
