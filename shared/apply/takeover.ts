import type { KubeObject } from "../render/kube-object.ts";
import type { JsonPatchOp } from "./cluster-client.ts";

interface ManagedFieldsEntry {
  readonly manager?: string;
  readonly operation?: string;
  readonly apiVersion?: string;
  readonly time?: string;
  readonly fieldsType?: string;
  readonly fieldsV1?: Record<string, unknown>;
  readonly subresource?: string;
}

const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

/**
 * Managers whose fields we adopt, as Flux does: kubectl in all its forms (`kubectl edit`,
 * client-side and server-side `kubectl apply`, `kubectl patch`, …) and `before-first-apply`.
 * Adopting a field that is not in the manifest makes the next apply remove it, so a field someone
 * added by hand is reverted, not just the fields we set.
 */
function adoptable(entry: ManagedFieldsEntry): boolean {
  if (entry.subresource) return false;
  const manager = entry.manager ?? "";
  if (manager.startsWith("kubectl")) return entry.operation === "Update" || entry.operation === "Apply";
  return manager === "before-first-apply" && entry.operation === "Update";
}

/**
 * The JSON patch that hands the fields of kubectl's managers to ours and drops kubectl's
 * last-applied annotation, or undefined when there is nothing to adopt.
 */
export function takeoverPatch(
  live: KubeObject,
  fieldManager: string,
  now = new Date(),
): JsonPatchOp[] | undefined {
  const entries = (live.metadata.managedFields ?? []) as readonly ManagedFieldsEntry[];
  const adopted = entries.filter(adoptable);
  const ops: JsonPatchOp[] = [];
  if (adopted.length > 0) {
    const ours = (e: ManagedFieldsEntry) =>
      e.manager === fieldManager && e.operation === "Apply" && !e.subresource;
    const own = entries.find(ours);
    let fields: Record<string, unknown> = { ...(own?.fieldsV1 ?? {}) };
    for (const e of adopted) fields = mergeFieldSets(fields, e.fieldsV1 ?? {});
    const merged: ManagedFieldsEntry = {
      manager: fieldManager,
      operation: "Apply",
      apiVersion: own?.apiVersion ?? live.apiVersion,
      time: now.toISOString().replace(/\.\d+Z$/, "Z"),
      fieldsType: "FieldsV1",
      fieldsV1: fields,
    };
    const kept = entries.filter((e) => !adoptable(e) && !ours(e));
    ops.push({ op: "replace", path: "/metadata/managedFields", value: [...kept, merged] });
  }
  if (live.metadata.annotations?.[LAST_APPLIED] !== undefined) {
    ops.push({ op: "remove", path: `/metadata/annotations/${LAST_APPLIED.replaceAll("/", "~1")}` });
  }
  return ops.length > 0 ? ops : undefined;
}

/** Union of two FieldsV1 sets (nested objects keyed `f:field`, `k:{…}`, `v:…`, `.`). */
export function mergeFieldSets(
  a: Record<string, unknown>,
  b: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [key, value] of Object.entries(b)) {
    const existing = out[key];
    out[key] = isSet(existing) && isSet(value) ? mergeFieldSets(existing, value) : (existing ?? value);
  }
  return out;
}

function isSet(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}
