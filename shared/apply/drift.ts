import type { KubeObject } from "../render/kube-object.ts";

// Fields the server sets or bumps on its own; a difference there is not drift.
const SERVER_METADATA = [
  "managedFields",
  "resourceVersion",
  "generation",
  "uid",
  "creationTimestamp",
  "selfLink",
];

/** The object without server-set fields and status, for comparing desired and live state. */
export function comparable(object: KubeObject): Record<string, unknown> {
  const { status: _status, metadata, ...rest } = object;
  const meta: Record<string, unknown> = { ...metadata };
  for (const field of SERVER_METADATA) delete meta[field];
  return { ...rest, metadata: meta };
}

/**
 * Whether applying would change the live object: the server-side dry-run result (the live object
 * with our fields merged in) differs from the live object outside server-set fields.
 */
export function hasDrifted(live: KubeObject | undefined, dryRun: KubeObject): boolean {
  if (!live) return true;
  return !deepEqual(comparable(live), comparable(dryRun));
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = Object.keys(ao);
  if (keys.length !== Object.keys(bo).length) return false;
  return keys.every((k) => Object.hasOwn(bo, k) && deepEqual(ao[k], bo[k]));
}
