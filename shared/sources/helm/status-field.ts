import type { StoredObject } from "../../ports/index.ts";

/**
 * A status field to set, or to clear when it has no value any more. Clearing writes
 * `undefined` only when the stored status has the field: the stored JSON drops undefined, and an
 * undefined the store never had would make every run look like a change.
 */
export function statusField(object: StoredObject, name: string, value: unknown): Record<string, unknown> {
  if (value !== undefined) return { [name]: value };
  return object.status && name in object.status ? { [name]: undefined } : {};
}
