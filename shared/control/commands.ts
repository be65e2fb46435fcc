import { isDeepStrictEqual } from "node:util";
import {
  type Clock,
  formatKey,
  type ObjectKey,
  PortError,
  type PutObjectInput,
  type StateStore,
  type StoredObject,
  type WorkQueue,
} from "../ports/index.ts";
import { DELETION_ANNOTATION } from "../reconcile/deletion.ts";
import { encodeWorkRequest } from "../reconcile/work-request.ts";
import { sameDesiredState } from "./manifest.ts";
import { isRootObject } from "./root-config.ts";

export interface CommandDeps {
  readonly state: StateStore;
  readonly queue: WorkQueue;
  readonly clock: Clock;
}

export type CommandErrorReason = "Suspended" | "RootObject";

/** What a user may not do to an object in its current state (reconcile a suspended one, say). */
export class CommandError extends Error {
  readonly reason: CommandErrorReason;

  constructor(reason: CommandErrorReason, message: string) {
    super(message);
    this.name = "CommandError";
    this.reason = reason;
  }
}

async function mustGet(state: StateStore, key: ObjectKey) {
  const object = await state.getObject(key);
  if (!object) throw new PortError("NotFound", `${formatKey(key)} not found`);
  return object;
}

export interface PutDesiredStateResult {
  readonly object: StoredObject;
  readonly change: "created" | "configured" | "unchanged";
}

/**
 * Stores an object's desired state and, when it is new or changed, queues it at once: Flux's
 * controllers react to a new generation without waiting for the interval, and so does sluice,
 * on every path that registers objects (the API, a Kustomization registering toolkit objects).
 * An unchanged object costs one read and no write, and no read when the caller passes what it
 * read already (`known`: the stored object, or null for none).
 */
export async function putDesiredState(
  deps: CommandDeps,
  input: PutObjectInput,
  known?: StoredObject | null,
): Promise<PutDesiredStateResult> {
  const stored = known !== undefined ? known : await deps.state.getObject(input.key);
  if (stored && sameDesiredState(stored, input)) return { object: stored, change: "unchanged" };
  const object = await deps.state.putObject(input);
  await deps.queue.send([
    {
      groupId: formatKey(input.key),
      dedupId: `config:${formatKey(input.key)}:${object.generation}`,
      body: encodeWorkRequest({ key: input.key, reason: "config" }),
    },
  ]);
  return { object, change: stored ? "configured" : "created" };
}

/**
 * Asks for a reconcile now, out of schedule, like `flux reconcile`. The request time comes
 * back in status.lastHandledReconcileAt once a worker has handled it, which is how a caller
 * knows its request (and not an earlier one) finished.
 */
export async function requestReconcile(deps: CommandDeps, key: ObjectKey): Promise<{ requestedAt: string }> {
  const object = await mustGet(deps.state, key);
  if (object.spec.suspend === true) {
    throw new CommandError("Suspended", `${formatKey(key)} is suspended; resume it first`);
  }
  const requestedAt = new Date(deps.clock.now()).toISOString();
  await deps.queue.send([
    {
      groupId: formatKey(key),
      dedupId: `manual:${formatKey(key)}:${requestedAt}`,
      body: encodeWorkRequest({ key, reason: "manual", requestedAt }),
    },
  ]);
  return { requestedAt };
}

/**
 * Sets spec.suspend, as `flux suspend` / `flux resume` do. A resumed object is asked to run at
 * once (the answer's `requestedAt` is the request to follow), so it catches up without waiting
 * a whole interval; a suspended one leaves the schedule.
 */
export async function setSuspended(
  deps: CommandDeps,
  key: ObjectKey,
  suspended: boolean,
): Promise<{ requestedAt?: string }> {
  const object = await mustGet(deps.state, key);
  const { suspend: _previous, ...rest } = object.spec;
  const spec = suspended ? { ...rest, suspend: true } : rest;
  // No "config" run of its own: a suspended object has nothing to run, a resumed one gets the request below.
  if (!isDeepStrictEqual(spec, object.spec))
    await deps.state.putObject({ key, apiVersion: object.apiVersion, metadata: object.metadata, spec });
  // Due at once as well, so the schedule holds it even before the requested run has happened.
  await deps.state.setDueAt(key, suspended ? undefined : deps.clock.now());
  return suspended ? {} : requestReconcile(deps, key);
}

/**
 * Asks for an object's removal, as `kubectl delete` does for an object with a finalizer: the
 * object is marked and put on the queue; the worker lets its kind clean up (prune what a
 * Kustomization applied, per its deletionPolicy; release a source's artifacts) and then removes
 * it. Asking again while it is pending changes nothing.
 */
export async function requestDeletion(deps: CommandDeps, key: ObjectKey): Promise<{ requestedAt: string }> {
  const object = await mustGet(deps.state, key);
  if (isRootObject(object))
    throw new CommandError(
      "RootObject",
      `${formatKey(key)} is the root of this deployment's configuration and cannot be deleted; change the root parameters or uninstall sluice`,
    );
  const requestedAt =
    object.metadata.annotations?.[DELETION_ANNOTATION] ?? new Date(deps.clock.now()).toISOString();
  await deps.state.putObject({
    key,
    apiVersion: object.apiVersion,
    metadata: {
      ...object.metadata,
      annotations: { ...object.metadata.annotations, [DELETION_ANNOTATION]: requestedAt },
    },
    spec: object.spec,
  });
  await deps.queue.send([
    {
      groupId: formatKey(key),
      dedupId: `delete:${formatKey(key)}:${requestedAt}`,
      body: encodeWorkRequest({ key, reason: "manual" }),
    },
  ]);
  return { requestedAt };
}
