import { stringify } from "yaml";

/** One changed leaf: its dotted path and the values before and after (absent = not there). */
export interface FieldChange {
  readonly path: string;
  readonly before?: unknown;
  readonly after?: unknown;
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function segment(parent: string, key: string): string {
  const plain = /^[A-Za-z0-9_-]+$/.test(key);
  if (parent === "") return plain ? key : `[${JSON.stringify(key)}]`;
  return plain ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`;
}

/**
 * The leaves that differ between two objects, in a stable order. Maps are compared key by key,
 * lists index by index; a value that changed type is one change at its path.
 */
export function fieldChanges(before: unknown, after: unknown, path = ""): FieldChange[] {
  if (isMap(before) && isMap(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) =>
      fieldChanges(
        Object.hasOwn(before, k) ? before[k] : undefined,
        Object.hasOwn(after, k) ? after[k] : undefined,
        segment(path, k),
      ),
    );
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const length = Math.max(before.length, after.length);
    return Array.from({ length }, (_, i) => fieldChanges(before[i], after[i], `${path}[${i}]`)).flat();
  }
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  return [
    {
      path: path || ".",
      ...(before !== undefined ? { before } : {}),
      ...(after !== undefined ? { after } : {}),
    },
  ];
}

const SECRET_PATH = /^(data|stringData)(\.|\[|$)/;

/** A Secret's values never reach a terminal: they are shown as a mask that says whether they changed. */
export function maskSecret(kind: string, changes: readonly FieldChange[]): FieldChange[] {
  if (kind !== "Secret") return [...changes];
  return changes.map((c) =>
    SECRET_PATH.test(c.path)
      ? {
          path: c.path,
          ...(c.before !== undefined ? { before: "***** (before)" } : {}),
          ...(c.after !== undefined ? { after: "***** (after)" } : {}),
        }
      : c,
  );
}

function shown(value: unknown): string[] {
  const text = typeof value === "string" ? value : stringify(value, { lineWidth: 0 }).trimEnd();
  return text.split("\n");
}

/** Indented `- before` / `+ after` lines under each path, as a reviewer reads them. */
export function renderChanges(changes: readonly FieldChange[], indent = "    "): string {
  return changes
    .map((c) => {
      const lines = [`${indent}${c.path}`];
      if (c.before !== undefined) lines.push(...shown(c.before).map((l) => `${indent}  - ${l}`));
      if (c.after !== undefined) lines.push(...shown(c.after).map((l) => `${indent}  + ${l}`));
      return lines.join("\n");
    })
    .join("\n")
    .concat(changes.length > 0 ? "\n" : "");
}
