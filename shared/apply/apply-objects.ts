import { ReconcileError } from "../reconcile/reconciler.ts";
import { type KubeObject, objectSubject } from "../render/kube-object.ts";
import { formatBytes } from "../sources/artifact/tarball.ts";
import type { ChangeSetEntry } from "./change-set.ts";
import type { ClusterClient } from "./cluster-client.ts";
import { isEstablished, sleep, waitForCrds } from "./crd-wait.ts";
import { abortedWhile, applyFailure, RECONCILIATION_FAILED } from "./failure.ts";
import { inventoryId } from "./inventory.ts";
import { isClusterDefinition, isCrd, sortForApply } from "./kind-order.ts";
import { mapLimit } from "./map-limit.ts";
import { refOf } from "./object-ref.ts";
import { type Plan, type PlanContext, planObject } from "./plan.ts";

export interface ApplyOptions {
  /** Flux's spec.force: recreate objects whose immutable fields changed. */
  readonly force: boolean;
  readonly signal: AbortSignal;
  /** How long to wait for CRDs to be established (and recreated objects to be gone); default 30 s. */
  readonly crdWaitMs?: number;
}

/** The API server refuses request bodies over 3 MiB. */
export const MAX_OBJECT_BYTES = 3 * 1024 * 1024;
const DEFAULT_WAIT_MS = 30_000;

/**
 * Flux's staged server-side apply. Every object is dry-run applied before anything is written;
 * only objects whose dry-run result differs from the live object are applied. CRDs, Namespaces
 * and ClusterRoles go first, and objects that need them (custom resources of a CRD in the set,
 * objects in a Namespace of the set) are validated once they exist. Returns one entry per
 * object, in apply order.
 */
export async function applyObjects(
  client: ClusterClient,
  objects: readonly KubeObject[],
  options: ApplyOptions,
): Promise<ChangeSetEntry[]> {
  checkObjects(objects);
  const sorted = sortForApply(objects);
  const definitions = sorted.filter(isClusterDefinition);
  const rest = sorted.filter((o) => !isClusterDefinition(o));
  const ctx: PlanContext = { client, force: options.force, signal: options.signal, definitions: [] };
  const waitMs = options.crdWaitMs ?? DEFAULT_WAIT_MS;
  let doing = "validating objects";
  try {
    const first = await planAll(definitions, ctx);
    const missing = first.filter((p) => p.type !== "defer" && !("live" in p && p.live)).map((p) => p.object);
    const second = await planAll(rest, { ...ctx, definitions, missing });
    doing = "applying CustomResourceDefinitions, Namespaces and ClusterRoles";
    await writeAll(client, first, { ...options, waitMs });
    const crds = first.filter(
      (p) =>
        isCrd(p.object) &&
        (p.type === "write" || (p.type === "leave" && p.live !== undefined && !isEstablished(p.live))),
    );
    if (crds.length > 0) {
      doing = `waiting for ${crds.map((p) => objectSubject(p.object)).join(", ")} to be established`;
      await waitForCrds(
        client,
        crds.map((p) => p.object),
        { timeoutMs: waitMs, signal: options.signal },
      );
    }
    doing = "validating objects";
    const deferred = second.filter((p) => p.type === "defer").map((p) => p.object);
    const later = await planAll(deferred, ctx);
    const plans = [...second.filter((p) => p.type !== "defer"), ...later];
    doing = "applying objects";
    await writeAll(client, plans, { ...options, waitMs });
    return entriesInOrder(sorted, [...first, ...plans]);
  } catch (error) {
    if (options.signal.aborted) throw abortedWhile(options.signal, doing);
    throw error;
  }
}

/** Refuses what cannot work before any request: incomplete, duplicate or oversized objects. */
function checkObjects(objects: readonly KubeObject[]): void {
  const seen = new Set<string>();
  objects.forEach((o, i) => {
    if (!o.apiVersion || !o.kind || !o.metadata?.name) {
      throw new ReconcileError(
        RECONCILIATION_FAILED,
        `object #${i + 1} (${o.kind || "no kind"} '${o.metadata?.name ?? ""}') needs apiVersion, kind and metadata.name`,
      );
    }
    const id = inventoryId(refOf(o));
    if (seen.has(id)) {
      throw new ReconcileError(
        RECONCILIATION_FAILED,
        `${objectSubject(o)} is defined more than once: keep one`,
      );
    }
    seen.add(id);
    const bytes = Buffer.byteLength(JSON.stringify(o));
    if (bytes > MAX_OBJECT_BYTES) {
      throw new ReconcileError(
        RECONCILIATION_FAILED,
        `${objectSubject(o)} is ${formatBytes(bytes)}, over the API server's ${formatBytes(MAX_OBJECT_BYTES)} ` +
          "request limit: split it into smaller objects",
      );
    }
  });
}

async function planAll(objects: readonly KubeObject[], ctx: PlanContext): Promise<Plan[]> {
  return mapLimit(objects, ctx.client.concurrency, (o) => planObject(o, ctx));
}

async function writeAll(
  client: ClusterClient,
  plans: readonly Plan[],
  options: { readonly signal: AbortSignal; readonly waitMs: number },
): Promise<void> {
  const writes = plans.filter((p) => p.type === "write");
  await mapLimit(writes, client.concurrency, async (plan) => {
    const { object } = plan;
    const ref = refOf(object);
    const signal = options.signal;
    let step = "apply";
    try {
      if (plan.recreate) {
        step = "delete (to recreate)";
        await client.delete(ref, { signal });
        await waitUntilGone(client, object, options);
        step = "recreate";
      } else if (plan.takeover) {
        step = "field ownership takeover";
        await client.jsonPatch(ref, plan.takeover, { signal });
        step = "apply";
      }
      await client.apply(object, { signal });
    } catch (error) {
      if (signal.aborted || error instanceof ReconcileError) throw error;
      throw applyFailure(object, step, error);
    }
  });
}

/** Deletion can take a while when the object has finalizers. */
async function waitUntilGone(
  client: ClusterClient,
  object: KubeObject,
  options: { readonly signal: AbortSignal; readonly waitMs: number },
): Promise<void> {
  const deadline = Date.now() + options.waitMs;
  while (await client.get(refOf(object), { signal: options.signal })) {
    if (Date.now() >= deadline) {
      throw new ReconcileError(
        RECONCILIATION_FAILED,
        `${objectSubject(object)} was deleted to be recreated but is still there after ` +
          `${Math.round(options.waitMs / 1000)}s: check its finalizers`,
      );
    }
    await sleep(250, options.signal);
  }
}

function entriesInOrder(sorted: readonly KubeObject[], plans: readonly Plan[]): ChangeSetEntry[] {
  const byObject = new Map<KubeObject, Plan>(plans.map((p) => [p.object, p]));
  return sorted.flatMap((object) => {
    const plan = byObject.get(object);
    if (!plan || plan.type === "defer") return [];
    return [{ subject: objectSubject(object), action: plan.action, object: refOf(object) }];
  });
}
