import { optionalArray, optionalString, requiredString } from "../../api/spec-fields.ts";
import { formatKey, type ObjectKey, type StoredObject, sameKey } from "../../ports/index.ts";
import { ReconcileError } from "../../reconcile/reconciler.ts";
import type { ArtifactStatus } from "../artifact/publish.ts";
import type { SourceDeps } from "../source-deps.ts";
import { type SourceFile, safeRelativePath, symlinkTargetInside } from "../source-file.ts";
import { readSourceFiles, resolveSource } from "../source-ref.ts";

/** One `spec.include` entry, with its source's current artifact. */
export interface ResolvedInclude {
  readonly key: ObjectKey;
  /** Folder of the included artifact to copy; "" for all of it. */
  readonly fromPath: string;
  /** Folder of this artifact it lands in; the repository's name by default, as in Flux. */
  readonly toPath: string;
  readonly artifact: ArtifactStatus;
}

function includeKeys(object: StoredObject) {
  const list = optionalArray(object.spec, "include") ?? [];
  return list.map((raw, i) => {
    const field = `spec.include[${i}]`;
    if (typeof raw !== "object" || raw === null || Array.isArray(raw))
      throw new ReconcileError("InvalidSpec", `${field} must be an object`, { stalled: true });
    const entry = raw as Readonly<Record<string, unknown>>;
    const repository = entry.repository;
    if (typeof repository !== "object" || repository === null)
      throw new ReconcileError("InvalidSpec", `${field}.repository.name is required`, { stalled: true });
    const name = requiredString(repository as Record<string, unknown>, "name", `${field}.repository.name`);
    const key = { kind: "GitRepository", namespace: object.key.namespace, name };
    if (sameKey(key, object.key))
      throw new ReconcileError("InvalidSpec", `${field} includes the GitRepository itself`, {
        stalled: true,
      });
    const path = (value: string | undefined) => (value ? safeRelativePath(value) : "");
    const fromPath = path(optionalString(entry, "fromPath", `${field}.fromPath`));
    const toPath = path(optionalString(entry, "toPath", `${field}.toPath`)) || name;
    return { key, fromPath, toPath };
  });
}

/**
 * The sources `spec.include` names, each with its current artifact: state reads only, so a poll
 * can tell whether an include moved before it talks to the Git server. A source without an
 * artifact yet is a retryable failure (this object is woken when it publishes).
 */
export async function resolveIncludes(object: StoredObject, deps: SourceDeps): Promise<ResolvedInclude[]> {
  const entries = includeKeys(object);
  return Promise.all(
    entries.map(async (entry) => ({ ...entry, artifact: (await resolveSource(entry.key, deps)).artifact })),
  );
}

/** True when the last artifact was built from exactly these included artifacts. */
export function sameIncludes(object: StoredObject, includes: readonly ResolvedInclude[]): boolean {
  const previous = object.status?.includedArtifacts;
  const before = Array.isArray(previous) ? (previous as ArtifactStatus[]) : [];
  return (
    before.length === includes.length &&
    includes.every(
      (inc, i) => before[i]?.digest === inc.artifact.digest && before[i]?.revision === inc.artifact.revision,
    )
  );
}

function under(path: string, dir: string): boolean {
  return dir === "" || path === dir || path.startsWith(`${dir}/`);
}

/**
 * The tree with each include copied in: the files under `fromPath` of the included artifact
 * land under `toPath`, replacing whatever the repository itself had there.
 */
export async function withIncludes(
  files: readonly SourceFile[],
  includes: readonly ResolvedInclude[],
  deps: SourceDeps,
): Promise<SourceFile[]> {
  let merged = [...files];
  for (const include of includes) {
    const included = (await readSourceFiles(include.artifact, deps)).filter((f) =>
      under(f.path, include.fromPath),
    );
    if (included.length === 0 && include.fromPath !== "")
      throw new ReconcileError(
        "IncludeUnavailable",
        `spec.include: '${include.fromPath}' is not in the artifact of ${formatKey(include.key)} (revision '${include.artifact.revision}')`,
      );
    merged = merged.filter((f) => !under(f.path, include.toPath));
    for (const file of included) {
      const rest = include.fromPath === "" ? file.path : file.path.slice(include.fromPath.length + 1);
      const path = safeRelativePath(rest === "" ? include.toPath : `${include.toPath}/${rest}`);
      // A link moved to another folder must still point inside the tree from there.
      if (file.mode === "symlink") symlinkTargetInside(path, new TextDecoder().decode(await file.read()));
      merged.push({ path, mode: file.mode, read: () => file.read() });
    }
  }
  return merged;
}
