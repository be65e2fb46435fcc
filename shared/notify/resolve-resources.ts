import { formatKey, type ObjectKey, type StateStore, type StoredObject } from "../ports/index.ts";
import type { ReceiverResource } from "./receiver-spec.ts";

export interface ResolveResourcesInput {
  readonly state: StateStore;
  /** The Receiver's namespace. */
  readonly namespace: string;
  readonly resources: readonly ReceiverResource[];
  /** Flux's `--no-cross-namespace-refs`: a Receiver may only wake objects of its own namespace. */
  readonly noCrossNamespaceRefs?: boolean;
}

export interface ResolvedResources {
  /** What to reconcile, each once, in the order the spec names them. */
  readonly keys: readonly ObjectKey[];
  /** Found but suspended: left alone, as `flux reconcile` would refuse them. */
  readonly suspended: readonly ObjectKey[];
  /** Named by the spec but not registered (`Kind/namespace/name`, or `Kind/namespace/*` for labels). */
  readonly missing: readonly string[];
  /** In another namespace while cross-namespace references are off. */
  readonly refused: readonly string[];
}

function matches(object: StoredObject, labels: Readonly<Record<string, string>>): boolean {
  const own = object.metadata.labels ?? {};
  return Object.entries(labels).every(([key, value]) => own[key] === value);
}

async function objectsOf(state: StateStore, resource: ReceiverResource): Promise<StoredObject[]> {
  const { kind, namespace, name } = resource;
  if (name !== "*") {
    const object = await state.getObject({ kind, namespace, name });
    return object ? [object] : [];
  }
  const all = await state.listObjects({ kind, namespace });
  return all.filter((object) => matches(object, resource.matchLabels ?? {}));
}

/** The stored objects a Receiver's `spec.resources` names: by name, or by labels with name `*`. */
export async function resolveResources(input: ResolveResourcesInput): Promise<ResolvedResources> {
  const seen = new Set<string>();
  const keys: ObjectKey[] = [];
  const suspended: ObjectKey[] = [];
  const missing: string[] = [];
  const refused: string[] = [];
  for (const resource of input.resources) {
    const where = `${resource.kind}/${resource.namespace}/${resource.name}`;
    if (input.noCrossNamespaceRefs && resource.namespace !== input.namespace) {
      refused.push(where);
      continue;
    }
    const objects = await objectsOf(input.state, resource);
    if (objects.length === 0) missing.push(where);
    for (const object of objects) {
      const id = formatKey(object.key);
      if (seen.has(id)) continue;
      seen.add(id);
      (object.spec.suspend === true ? suspended : keys).push(object.key);
    }
  }
  return { keys, suspended, missing, refused };
}
