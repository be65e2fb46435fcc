import { findCondition, READY } from "../api/conditions.ts";
import { optionalString, requiredString } from "../api/spec-fields.ts";
import { formatKey, type ObjectKey, type StoredObject } from "../ports/index.ts";
import { ReconcileError } from "../reconcile/reconciler.ts";
import { conditionsOf } from "../reconcile/status.ts";
import { type ArtifactStatus, artifactOf } from "./artifact/publish.ts";
import { readTarball } from "./artifact/untar.ts";
import { limitsOf, type SourceDeps } from "./source-deps.ts";
import type { SourceFile } from "./source-file.ts";

/** `{kind, name, namespace?}` as Flux writes a `sourceRef`; the namespace defaults to the referrer's. */
export function sourceRefKey(
  referrer: StoredObject,
  ref: Readonly<Record<string, unknown>>,
  field: string,
  allowedKinds: readonly string[],
): ObjectKey {
  const kind = requiredString(ref, "kind", `${field}.kind`);
  if (!allowedKinds.includes(kind))
    throw new ReconcileError(
      "InvalidSourceRef",
      `${field}.kind must be one of ${allowedKinds.join(", ")}, got '${kind}'`,
      { stalled: true },
    );
  return {
    kind,
    namespace: optionalString(ref, "namespace", `${field}.namespace`) ?? referrer.key.namespace,
    name: requiredString(ref, "name", `${field}.name`),
  };
}

export interface ResolvedSource {
  readonly source: StoredObject;
  readonly artifact: ArtifactStatus;
}

/**
 * The referenced source and its current artifact. A source that does not exist yet, or has
 * no artifact yet, is a retryable "not ready" failure: the referrer is woken when it publishes.
 */
export async function resolveSource(key: ObjectKey, deps: SourceDeps): Promise<ResolvedSource> {
  const source = await deps.state.getObject(key);
  if (!source) throw new ReconcileError("SourceNotFound", `source '${formatKey(key)}' not found`);
  const artifact = artifactOf(source);
  if (!artifact) {
    const ready = findCondition(conditionsOf(source.status), READY);
    const why = ready?.status === "False" ? `: ${ready.message}` : "";
    // A source that has not run yet is a routine wait; one that failed is worth a warning.
    throw new ReconcileError("SourceNotReady", `source '${formatKey(key)}' has no artifact yet${why}`, {
      eventType: why ? "Warning" : "Normal",
    });
  }
  return { source, artifact };
}

/** The files of a tree artifact (GitRepository, Bucket, OCIRepository), read from the store. */
export async function readSourceFiles(
  artifact: ArtifactStatus,
  deps: SourceDeps,
): Promise<readonly SourceFile[]> {
  const load = async () =>
    readTarball(await deps.artifacts.get(artifact.digest), { maxBytes: limitsOf(deps).maxArtifactBytes });
  return deps.artifactFiles ? deps.artifactFiles.get(artifact.digest, load) : load();
}
