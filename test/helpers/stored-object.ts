import type { ObjectKey, StoredObject } from "../../shared/ports/index.ts";

/** An object as the state store hands it to a reconciler: generation 1, never run. */
export function storedObject(
  key: ObjectKey,
  apiVersion: string,
  spec: Record<string, unknown>,
): StoredObject {
  return {
    key,
    apiVersion,
    metadata: {},
    spec,
    generation: 1,
    status: undefined,
    statusVersion: 0,
    dueAt: undefined,
  };
}
