import { setTimeout as sleep } from "node:timers/promises";
import { findCondition, READY } from "../api/conditions.ts";
import { type InventoryEntry, refFromInventory } from "../apply/inventory.ts";
import { refSubject } from "../apply/object-ref.ts";
import { type CommandDeps, requestReconcile } from "../control/commands.ts";
import { ROOT_NAME, ROOT_NAMESPACE } from "../control/root-config.ts";
import { readKustomizationSpec } from "../kustomization/spec.ts";
import { formatKey, type ObjectKey, type StateStore, type StoredObject } from "../ports/index.ts";
import { conditionsOf } from "../reconcile/status.ts";
import { artifactOf } from "../sources/artifact/publish.ts";

/**
 * How `npm start` follows its development cluster to a synced state: it applies everything again
 * to a cluster that starts empty, then waits until the root and every Kustomization under it
 * have applied the revision their source holds.
 */

const KUSTOMIZATION = "Kustomization";
const rootSource: ObjectKey = { kind: "GitRepository", namespace: ROOT_NAMESPACE, name: ROOT_NAME };
const rootKustomization: ObjectKey = { kind: KUSTOMIZATION, namespace: ROOT_NAMESPACE, name: ROOT_NAME };

export interface PollOptions {
  readonly signal?: AbortSignal;
  /** @default 250 */
  readonly pollMs?: number;
  /** How often a wait that goes on says what it waits for. @default 15 s */
  readonly reportEveryMs?: number;
}

function isDefaultTarget(object: StoredObject): boolean {
  try {
    return readKustomizationSpec(object).target.type === "default";
  } catch {
    // An invalid spec applied nothing anywhere; the engine reports it on its own run.
    return false;
  }
}

function dependsOn(object: StoredObject): string[] {
  try {
    return readKustomizationSpec(object).dependsOn.map(formatKey);
  } catch {
    return [];
  }
}

async function handled(state: StateStore, key: ObjectKey, requestedAt: string): Promise<boolean> {
  const object = await state.getObject(key);
  return object === undefined || object.status?.lastHandledReconcileAt === requestedAt;
}

/**
 * The development cluster is new on every start, while sluice's state remembers what it applied
 * to the last one, and a Kustomization's interval may be far off. So each Kustomization that
 * applied to the default cluster before is asked to run now, in waves that follow dependsOn:
 * a dependency still Ready from the old cluster must not let its dependents go first.
 * Returns the request time of each (by `Kind/namespace/name`), to wait for.
 */
export async function reapplyToNewCluster(
  deps: CommandDeps,
  options: PollOptions & { readonly log?: (line: string) => void } = {},
): Promise<Map<string, string>> {
  const applied = (await deps.state.listObjects({ kind: KUSTOMIZATION })).filter(
    (o) => typeof o.status?.lastAppliedRevision === "string" && o.spec.suspend !== true && isDefaultTarget(o),
  );
  const requested = new Map<string, string>();
  if (applied.length === 0) return requested;
  options.log?.(
    `the cluster is new: applying ${applied.length} Kustomization${applied.length === 1 ? "" : "s"} again`,
  );
  const waiting = new Set(applied.map((o) => formatKey(o.key)));
  let remaining = applied;
  while (remaining.length > 0) {
    let wave = remaining.filter((o) => dependsOn(o).every((d) => !waiting.has(d)));
    // A cycle never resolves by waiting; the engine names it when the objects run.
    if (wave.length === 0) wave = remaining;
    const requests = await Promise.all(
      wave.map(async (o) => ({ key: o.key, ...(await requestReconcile(deps, o.key)) })),
    );
    let reported = Date.now();
    for (const { key, requestedAt } of requests) {
      requested.set(formatKey(key), requestedAt);
      while (!(await handled(deps.state, key, requestedAt))) {
        // A run may take up to its timeout (a health check that cannot pass, say): keep saying so.
        if (Date.now() - reported >= (options.reportEveryMs ?? 15_000)) {
          options.log?.(`still applying ${formatKey(key)}`);
          reported = Date.now();
        }
        await sleep(options.pollMs ?? 250, undefined, { signal: options.signal });
      }
      waiting.delete(formatKey(key));
    }
    remaining = remaining.filter((o) => waiting.has(formatKey(o.key)));
  }
  return requested;
}

/** One Kustomization of a synced tree and what its inventory holds (`Kind/namespace/name`). */
export interface SyncedKustomization {
  readonly key: ObjectKey;
  readonly objects: readonly string[];
}

export interface SyncReport {
  /** The root source's revision, e.g. `main@sha1:<commit>`. */
  readonly revision: string;
  /** The root first, then the Kustomizations it registered, breadth first. */
  readonly kustomizations: readonly SyncedKustomization[];
}

function inventoryOfObject(object: StoredObject): InventoryEntry[] {
  const inventory = object.status?.inventory as { entries?: InventoryEntry[] } | undefined;
  return Array.isArray(inventory?.entries) ? inventory.entries : [];
}

function readyMessage(object: StoredObject | undefined): string | undefined {
  return findCondition(conditionsOf(object?.status), READY)?.message;
}

/** Why a Kustomization is not synced yet, or undefined when it is. */
async function notSynced(
  state: StateStore,
  object: StoredObject,
  requestedAt: string | undefined,
): Promise<string | undefined> {
  if (requestedAt !== undefined && object.status?.lastHandledReconcileAt !== requestedAt)
    return "applying again";
  const ready = findCondition(conditionsOf(object.status), READY);
  if (ready?.status !== "True") return ready?.message || "not reconciled yet";
  let source: StoredObject | undefined;
  try {
    source = await state.getObject(readKustomizationSpec(object).source);
  } catch (error) {
    return (error as Error).message;
  }
  const wanted = source ? artifactOf(source)?.revision : undefined;
  if (wanted !== undefined && object.status?.lastAppliedRevision !== wanted) return `applying ${wanted}`;
  return undefined;
}

/** One look at the tree under the root: the report when all of it is synced, else what is pending. */
async function inspect(
  state: StateStore,
  requested: ReadonlyMap<string, string>,
): Promise<{ report: SyncReport } | { pending: string[] }> {
  const source = await state.getObject(rootSource);
  const revision = source ? artifactOf(source)?.revision : undefined;
  if (!revision) return { pending: [`${formatKey(rootSource)}: ${readyMessage(source) ?? "fetching"}`] };
  const pending: string[] = [];
  const synced: SyncedKustomization[] = [];
  const seen = new Set<string>();
  const queue: ObjectKey[] = [rootKustomization];
  for (let key = queue.shift(); key; key = queue.shift()) {
    const id = formatKey(key);
    if (seen.has(id)) continue;
    seen.add(id);
    const object = await state.getObject(key);
    if (!object) {
      pending.push(`${id}: not registered yet`);
      continue;
    }
    if (object.spec.suspend === true) continue;
    const why = await notSynced(state, object, requested.get(id));
    if (why) {
      pending.push(`${id}: ${why}`);
      continue;
    }
    const refs = inventoryOfObject(object).map(refFromInventory);
    synced.push({ key, objects: refs.map(refSubject) });
    for (const ref of refs)
      if (ref.kind === KUSTOMIZATION && ref.apiVersion.startsWith("kustomize.toolkit.fluxcd.io/"))
        queue.push({ kind: KUSTOMIZATION, namespace: ref.namespace ?? key.namespace, name: ref.name });
  }
  return pending.length > 0 ? { pending } : { report: { revision, kustomizations: synced } };
}

/**
 * Waits until the root Kustomization and every Kustomization it registered (and so on down) are
 * Ready at their source's revision, and have handled the requests made after a restart. Never
 * gives up on its own: a failing object is retried by the engine, and `onPending` hears about
 * it every `reportEveryMs`.
 */
export async function waitUntilSynced(
  state: StateStore,
  options: PollOptions & {
    readonly requested?: ReadonlyMap<string, string>;
    readonly onPending?: (pending: readonly string[]) => void;
  } = {},
): Promise<SyncReport> {
  const requested = options.requested ?? new Map<string, string>();
  let reported = Date.now();
  for (;;) {
    options.signal?.throwIfAborted();
    const result = await inspect(state, requested);
    if ("report" in result) return result.report;
    if (Date.now() - reported >= (options.reportEveryMs ?? 15_000)) {
      options.onPending?.(result.pending);
      reported = Date.now();
    }
    await sleep(options.pollMs ?? 250, undefined, { signal: options.signal });
  }
}
