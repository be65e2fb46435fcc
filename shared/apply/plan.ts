import { apiGroup, type KubeObject } from "../render/kube-object.ts";
import { annotated, excludedFromApply, FORCE_ANNOTATION, SSA_ANNOTATION } from "./annotations.ts";
import type { ClusterClient, JsonPatchOp } from "./cluster-client.ts";
import { hasDrifted } from "./drift.ts";
import { dryRunFailure } from "./failure.ts";
import { isImmutableError, isNamespaceMissing, NoKindMatchError } from "./kube-errors.ts";
import { refOf } from "./object-ref.ts";
import { takeoverPatch } from "./takeover.ts";

/** What to do with one object, decided from a dry-run before anything is written. */
export type Plan =
  | {
      readonly type: "leave";
      readonly object: KubeObject;
      readonly action: "unchanged" | "skipped";
      readonly live?: KubeObject;
    }
  | {
      readonly type: "write";
      readonly object: KubeObject;
      readonly action: "created" | "configured";
      readonly live?: KubeObject;
      /** Adopt kubectl's fields first (Flux's Override policy). */
      readonly takeover?: readonly JsonPatchOp[];
      /** Delete and create again: an immutable field changed and force is on. */
      readonly recreate?: boolean;
    }
  /** Cannot be validated until the CRDs and Namespaces of the same set are applied. */
  | { readonly type: "defer"; readonly object: KubeObject };

export interface PlanContext {
  readonly client: ClusterClient;
  readonly force: boolean;
  readonly signal: AbortSignal;
  /** CRDs and Namespaces applied earlier in the same run: objects failing for want of them are deferred. */
  readonly definitions: readonly KubeObject[];
  /** Those of them not in the cluster yet: objects needing them are deferred without a call. */
  readonly missing?: readonly KubeObject[];
}

export async function planObject(object: KubeObject, ctx: PlanContext): Promise<Plan> {
  const { client, signal } = ctx;
  if (excludedFromApply(object)) return { type: "leave", object, action: "skipped" };
  if (ctx.missing?.some((d) => defines(d, object))) return { type: "defer", object };
  let live: KubeObject | undefined;
  let dryRun: KubeObject;
  try {
    live = await client.get(refOf(object), { signal });
    if (excludedFromApply(live)) return { type: "leave", object, action: "skipped", live };
    if (live && annotated(object, SSA_ANNOTATION, "IfNotPresent")) {
      return { type: "leave", object, action: "skipped", live };
    }
    dryRun = await client.dryRunApply(object, { signal });
  } catch (error) {
    if (signal.aborted) throw error;
    if (waitsForDefinitions(object, error, ctx.definitions)) return { type: "defer", object };
    if (live && isImmutableError(error)) return recreatePlan(object, live, error, ctx);
    const hint = isNamespaceMissing(error) ? "create the namespace or add it to the same sources" : undefined;
    throw dryRunFailure(object, error, hint);
  }
  const takeover =
    live && !annotated(object, SSA_ANNOTATION, "Merge")
      ? takeoverPatch(live, client.fieldManager)
      : undefined;
  if (!takeover && !hasDrifted(live, dryRun)) return { type: "leave", object, action: "unchanged", live };
  return {
    type: "write",
    object,
    action: live ? "configured" : "created",
    ...(live ? { live } : {}),
    ...(takeover ? { takeover } : {}),
  };
}

async function recreatePlan(
  object: KubeObject,
  live: KubeObject,
  error: unknown,
  ctx: PlanContext,
): Promise<Plan> {
  if (
    !ctx.force &&
    !annotated(object, FORCE_ANNOTATION, "Enabled") &&
    !annotated(live, FORCE_ANNOTATION, "Enabled")
  ) {
    throw dryRunFailure(
      object,
      error,
      "an immutable field changed: set spec.force to true (or annotate the object " +
        `${FORCE_ANNOTATION}: Enabled) to delete and recreate it`,
    );
  }
  // The replacement must be valid before the live object is deleted.
  try {
    await ctx.client.dryRunCreate(object, { signal: ctx.signal });
  } catch (createError) {
    if (ctx.signal.aborted) throw createError;
    throw dryRunFailure(object, createError);
  }
  return { type: "write", object, action: "created", live, recreate: true };
}

function waitsForDefinitions(
  object: KubeObject,
  error: unknown,
  definitions: readonly KubeObject[],
): boolean {
  if (!(error instanceof NoKindMatchError) && !isNamespaceMissing(error)) return false;
  return definitions.some((d) => defines(d, object));
}

/** Whether `definition` is the CRD of the object's kind or the Namespace it lives in. */
function defines(definition: KubeObject, object: KubeObject): boolean {
  if (definition.kind === "Namespace") return definition.metadata.name === object.metadata.namespace;
  if (definition.kind !== "CustomResourceDefinition") return false;
  const spec = definition.spec as { group?: string; names?: { kind?: string } } | undefined;
  return spec?.group === apiGroup(object.apiVersion) && spec.names?.kind === object.kind;
}
