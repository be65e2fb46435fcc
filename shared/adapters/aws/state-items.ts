import type { NativeAttributeValue } from "@aws-sdk/lib-dynamodb";
import type { ObjectKey } from "../../ports/object-key.ts";
import type { StoredObject } from "../../ports/state.ts";
import { DUE_AT, ITEM, PARTITION_KEY, partitionKeyOf, SORT_KEY } from "./state-table.ts";

/** How a StoredObject maps onto the state table's items (the design is in state-table.ts). */
export type Item = Record<string, NativeAttributeValue>;

/**
 * Non-key attributes. Spec, metadata and status are JSON text, not DynamoDB maps: they come back
 * exactly as written (key order, numbers, nulls), and a spec comparison is one string equality.
 */
export const ATTR = {
  kind: "kind",
  namespace: "namespace",
  name: "name",
  apiVersion: "apiVersion",
  metadata: "metadata",
  spec: "spec",
  generation: "generation",
  status: "status",
  statusVersion: "statusVersion",
  holder: "holder",
  expiresAt: "expiresAt",
} as const;

/** `#attr` placeholders for every attribute an expression names, so reserved words never bite. */
export function names(...attributes: string[]): Record<string, string> {
  return Object.fromEntries(attributes.map((a) => [`#${a}`, a]));
}

export function itemKey(key: ObjectKey, sk: string): Item {
  return { [PARTITION_KEY]: partitionKeyOf(key), [SORT_KEY]: sk };
}

export function keyAttributes(key: ObjectKey): Item {
  return { [ATTR.kind]: key.kind, [ATTR.namespace]: key.namespace, [ATTR.name]: key.name };
}

/** Code-unit order, the same as SQLite's BINARY collation, so both adapters list alike. */
export function compareKeys(a: ObjectKey, b: ObjectKey): number {
  const x = [a.kind, a.namespace, a.name].join("\0");
  const y = [b.kind, b.namespace, b.name].join("\0");
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Builds the object from the items of its partition; undefined when its object item is absent. */
export function fromItems(items: readonly Item[]): StoredObject | undefined {
  const bySk = new Map(items.map((item) => [item[SORT_KEY] as string, item]));
  const object = bySk.get(ITEM.object);
  if (!object) return undefined;
  const status = bySk.get(ITEM.status);
  const dueAt = bySk.get(ITEM.schedule)?.[DUE_AT];
  return {
    key: { kind: object[ATTR.kind], namespace: object[ATTR.namespace], name: object[ATTR.name] },
    apiVersion: object[ATTR.apiVersion],
    metadata: JSON.parse(object[ATTR.metadata]),
    spec: JSON.parse(object[ATTR.spec]),
    generation: Number(object[ATTR.generation]),
    status: typeof status?.[ATTR.status] === "string" ? JSON.parse(status[ATTR.status]) : undefined,
    statusVersion: Number(status?.[ATTR.statusVersion] ?? 0),
    dueAt: dueAt === undefined ? undefined : Number(dueAt),
  };
}
