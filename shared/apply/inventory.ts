import { apiGroup, type KubeObject } from "../render/kube-object.ts";
import type { ObjectRef } from "./object-ref.ts";

/** One entry of Flux's `status.inventory.entries`. */
export interface InventoryEntry {
  /** `<namespace>_<name>_<group>_<kind>`; namespace and group empty for cluster-scoped and core objects. */
  readonly id: string;
  /** The apiVersion's version part. */
  readonly v: string;
}

// Flux (cli-utils) writes the colons of RBAC names such as `system:auth` as double underscores.
const COLON = "__";

export function inventoryId(ref: ObjectRef): string {
  const name = ref.name.replaceAll(":", COLON);
  return `${ref.namespace ?? ""}_${name}_${apiGroup(ref.apiVersion)}_${ref.kind}`;
}

/** The inventory of an applied set: one entry per object, sorted by id as Flux stores it. */
export function inventoryOf(objects: readonly KubeObject[]): InventoryEntry[] {
  const byId = new Map<string, InventoryEntry>();
  for (const o of objects) {
    const { namespace, name } = o.metadata;
    const id = inventoryId({
      apiVersion: o.apiVersion,
      kind: o.kind,
      ...(namespace ? { namespace } : {}),
      name,
    });
    byId.set(id, { id, v: versionOf(o.apiVersion) });
  }
  return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** The object an inventory entry names. Throws on an id that is not in Flux's format. */
export function refFromInventory(entry: InventoryEntry): ObjectRef {
  const first = entry.id.indexOf("_");
  const last = entry.id.lastIndexOf("_");
  const beforeLast = entry.id.lastIndexOf("_", last - 1);
  if (first < 0 || beforeLast <= first)
    throw new Error(`inventory entry '${entry.id}' is not <namespace>_<name>_<group>_<kind>`);
  const namespace = entry.id.slice(0, first);
  const name = entry.id.slice(first + 1, beforeLast).replaceAll(COLON, ":");
  const group = entry.id.slice(beforeLast + 1, last);
  const kind = entry.id.slice(last + 1);
  if (!name || !kind || !entry.v)
    throw new Error(`inventory entry '${entry.id}' has no name, kind or version`);
  return {
    apiVersion: group ? `${group}/${entry.v}` : entry.v,
    kind,
    ...(namespace ? { namespace } : {}),
    name,
  };
}

function versionOf(apiVersion: string): string {
  return apiVersion.slice(apiVersion.indexOf("/") + 1);
}
