import type { Digest, StoredObject } from "../../ports/index.ts";
import { sameKey } from "../../ports/index.ts";
import type { SourceDeps } from "../source-deps.ts";

/** Kinds whose status holds artifacts; an artifact another of them still uses is kept. */
export const ARTIFACT_KINDS = [
  "GitRepository",
  "Bucket",
  "OCIRepository",
  "HelmRepository",
  "HelmChart",
] as const;

function referenced(object: StoredObject): Digest[] {
  const status = object.status ?? {};
  const current = (status.artifact as { digest?: Digest } | undefined)?.digest;
  const retained = Array.isArray(status.retainedArtifacts) ? (status.retainedArtifacts as Digest[]) : [];
  return current ? [current, ...retained] : retained;
}

export interface GarbageInput {
  readonly object: StoredObject;
  /** Digests this object no longer keeps. */
  readonly dropped: readonly Digest[];
  readonly deps: SourceDeps;
}

/**
 * Deletes artifacts an object has let go of. Artifacts are content-addressed, so two sources
 * at the same content share one; a digest another source still refers to is left in place.
 * Runs only when a new artifact is published, so a steady poll never lists anything.
 */
export async function collectArtifactGarbage(input: GarbageInput): Promise<Digest[]> {
  if (input.dropped.length === 0) return [];
  const inUse = new Set<Digest>();
  for (const kind of ARTIFACT_KINDS) {
    for (const other of await input.deps.state.listObjects({ kind })) {
      if (sameKey(other.key, input.object.key)) continue;
      for (const digest of referenced(other)) inUse.add(digest);
    }
  }
  const deleted = input.dropped.filter((d) => !inUse.has(d));
  await Promise.all(deleted.map((d) => input.deps.artifacts.delete(d)));
  return deleted;
}

/** A source being deleted lets go of all its artifacts; ones another source shares stay. */
export async function releaseArtifacts(object: StoredObject, deps: SourceDeps): Promise<void> {
  await collectArtifactGarbage({ object, dropped: [...new Set(referenced(object))], deps });
}
