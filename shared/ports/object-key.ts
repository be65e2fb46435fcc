/** Identifies one toolkit object, e.g. `GitRepository/flux-system/podinfo`. */
export interface ObjectKey {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

/** `Kind/namespace/name`: the form used in queue group ids, table keys, events and the CLI. */
export function formatKey(key: ObjectKey): string {
  return `${key.kind}/${key.namespace}/${key.name}`;
}

/** The inverse of formatKey; undefined when the text is not `Kind/namespace/name`. */
export function parseKey(text: string): ObjectKey | undefined {
  const parts = text.split("/");
  if (parts.length !== 3 || parts.some((p) => p.length === 0)) return undefined;
  const [kind, namespace, name] = parts as [string, string, string];
  return { kind, namespace, name };
}

export function sameKey(a: ObjectKey, b: ObjectKey): boolean {
  return a.kind === b.kind && a.namespace === b.namespace && a.name === b.name;
}
