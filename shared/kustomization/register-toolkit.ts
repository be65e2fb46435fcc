import type { ChangeSetEntry } from "../apply/change-set.ts";
import { type ObjectRef, refOf, refSubject } from "../apply/object-ref.ts";
import { ownedBy } from "../apply/prune.ts";
import { type CommandDeps, putDesiredState, requestDeletion } from "../control/commands.ts";
import { ManifestError, manifestInput } from "../control/manifest.ts";
import { isRootObject } from "../control/root-config.ts";
import type { PutObjectInput } from "../ports/index.ts";
import { deletionRequested } from "../reconcile/deletion.ts";
import { type KubeObject, objectSubject } from "../render/kube-object.ts";
import { toolkitKey } from "./toolkit-objects.ts";

export interface RegistrationOptions {
  /** Labels naming the Kustomization that registers: set on every object, required to remove one. */
  readonly ownerLabels: Readonly<Record<string, string>>;
  /** Which file each object came from (subject → path), to name it when it is invalid. */
  readonly origins?: ReadonlyMap<string, string>;
}

export interface RegistrationResult {
  readonly changes: ChangeSetEntry[];
  /** One line per object that could not be registered, naming it and why; the rest went ahead. */
  readonly failures: string[];
}

function entry(ref: ObjectRef, action: ChangeSetEntry["action"]): ChangeSetEntry {
  return { subject: refSubject(ref), action, object: ref };
}

/**
 * Registers the toolkit objects (sources, Kustomizations, receivers, …) a Kustomization rendered,
 * as `kubectl apply` would have created them in a cluster running Flux: what is new or changed
 * is stored and queued at once; what matches is not written. A root object is never overwritten
 * from Git; an invalid object is reported and skipped while the others go ahead.
 */
export async function registerToolkitObjects(
  objects: readonly KubeObject[],
  deps: CommandDeps,
  options: RegistrationOptions,
): Promise<RegistrationResult> {
  const changes: ChangeSetEntry[] = [];
  const failures: string[] = [];
  for (const object of objects) {
    const ref = refOf(object);
    const key = toolkitKey(ref);
    let input: PutObjectInput;
    try {
      input = manifestInput(object, key);
    } catch (error) {
      if (!(error instanceof ManifestError)) throw error;
      const file = options.origins?.get(objectSubject(object));
      failures.push(`${objectSubject(object)}${file ? ` (${file})` : ""}: ${error.message}`);
      continue;
    }
    input = {
      ...input,
      metadata: { ...input.metadata, labels: { ...input.metadata.labels, ...options.ownerLabels } },
    };
    const stored = await deps.state.getObject(key);
    if (stored && isRootObject(stored)) {
      changes.push(entry(ref, "skipped"));
      continue;
    }
    changes.push(entry(ref, (await putDesiredState(deps, input, stored ?? null)).change));
  }
  return { changes, failures };
}

/**
 * Removes toolkit objects that left Git (prune): each is marked for deletion and queued, so its
 * own clean-up runs first (a removed Kustomization prunes what it applied). Objects this
 * Kustomization does not own, and root objects, are left alone.
 */
export async function deregisterToolkitObjects(
  refs: readonly ObjectRef[],
  deps: CommandDeps,
  options: RegistrationOptions,
): Promise<ChangeSetEntry[]> {
  const changes: ChangeSetEntry[] = [];
  for (const ref of refs) {
    const key = toolkitKey(ref);
    const stored = await deps.state.getObject(key);
    if (!stored) continue;
    if (isRootObject(stored) || !ownedBy(stored.metadata.labels, options.ownerLabels)) {
      changes.push(entry(ref, "skipped"));
      continue;
    }
    if (!deletionRequested(stored)) await requestDeletion(deps, key);
    changes.push(entry(ref, "deleted"));
  }
  return changes;
}
