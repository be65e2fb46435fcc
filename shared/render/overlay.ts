import { SpecError } from "../api/errors.ts";
import {
  optionalArray,
  optionalBoolean,
  optionalObject,
  optionalString,
  optionalStringArray,
} from "../api/spec-fields.ts";

type Spec = Readonly<Record<string, unknown>>;

/** Which objects a patch applies to: kustomize's selector. */
export interface PatchTarget {
  readonly group?: string;
  readonly version?: string;
  readonly kind?: string;
  readonly name?: string;
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly annotationSelector?: string;
}

export interface KustomizePatch {
  /** A strategic merge patch or a JSON6902 operation list, as YAML or JSON text. */
  readonly patch: string;
  readonly target?: PatchTarget;
}

export interface KustomizeImage {
  readonly name: string;
  readonly newName?: string;
  readonly newTag?: string;
  readonly digest?: string;
}

/** What a Flux Kustomization's spec adds on top of the kustomization at spec.path. */
export interface KustomizeOverlay {
  readonly targetNamespace?: string;
  readonly namePrefix?: string;
  readonly nameSuffix?: string;
  readonly patches?: readonly KustomizePatch[];
  readonly images?: readonly KustomizeImage[];
  /** Labels and annotations set on every object's own metadata (not selectors, not templates). */
  readonly commonMetadata?: {
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
  };
  /** Kustomize components, relative to spec.path. */
  readonly components?: readonly string[];
  /** Leave out components missing from the artifact instead of failing (Flux's ignoreMissingComponents). */
  readonly ignoreMissingComponents?: boolean;
}

const TARGET_FIELDS = [
  "group",
  "version",
  "kind",
  "name",
  "namespace",
  "labelSelector",
  "annotationSelector",
] as const;

function objectAt(list: readonly unknown[], i: number, field: string): Spec {
  const item = list[i];
  if (typeof item !== "object" || item === null || Array.isArray(item))
    throw new SpecError("InvalidSpec", `${field}[${i}]`, `must be an object, got ${JSON.stringify(item)}`);
  return item as Spec;
}

function stringMap(spec: Spec, name: string, field: string): Record<string, string> | undefined {
  const map = optionalObject(spec, name, field);
  if (!map) return undefined;
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(map)) {
    if (typeof value !== "string")
      throw new SpecError("InvalidSpec", `${field}.${key}`, `must be a string, got ${JSON.stringify(value)}`);
    out[key] = value;
  }
  return out;
}

function readPatches(spec: Spec): KustomizePatch[] | undefined {
  const list = optionalArray(spec, "patches");
  return list?.map((_, i) => {
    const field = `spec.patches[${i}]`;
    const item = objectAt(list, i, "spec.patches");
    const patch = optionalString(item, "patch", `${field}.patch`);
    if (!patch?.trim()) throw new SpecError("InvalidSpec", `${field}.patch`, "is required");
    const rawTarget = optionalObject(item, "target", `${field}.target`);
    if (!rawTarget) return { patch };
    const target: Record<string, string> = {};
    for (const key of TARGET_FIELDS) {
      const value = optionalString(rawTarget, key, `${field}.target.${key}`);
      if (value) target[key] = value;
    }
    return { patch, target };
  });
}

function readImages(spec: Spec): KustomizeImage[] | undefined {
  const list = optionalArray(spec, "images");
  return list?.map((_, i) => {
    const field = `spec.images[${i}]`;
    const item = objectAt(list, i, "spec.images");
    const name = optionalString(item, "name", `${field}.name`);
    if (!name) throw new SpecError("InvalidSpec", `${field}.name`, "is required");
    const image: { -readonly [K in keyof KustomizeImage]: KustomizeImage[K] } = { name };
    for (const key of ["newName", "newTag", "digest"] as const) {
      const value = optionalString(item, key, `${field}.${key}`);
      if (value) image[key] = value;
    }
    return image;
  });
}

/** Kustomize would fetch a URL or read outside the artifact; Flux requires local relative paths. */
function readComponents(spec: Spec): string[] | undefined {
  const list = optionalStringArray(spec, "components");
  list?.forEach((path, i) => {
    if (path === "" || path.startsWith("/") || /^[a-z][a-z0-9+.-]*:/i.test(path) || path.startsWith("git@"))
      throw new SpecError(
        "InvalidSpec",
        `spec.components[${i}]`,
        `must be a local path relative to spec.path, got ${JSON.stringify(path)}`,
      );
  });
  return list;
}

/** Reads the overlay fields of a Flux Kustomization spec; SpecError names a malformed field. */
export function overlayFromSpec(spec: Spec): KustomizeOverlay {
  const targetNamespace = optionalString(spec, "targetNamespace");
  const namePrefix = optionalString(spec, "namePrefix");
  const nameSuffix = optionalString(spec, "nameSuffix");
  const patches = readPatches(spec);
  const images = readImages(spec);
  const components = readComponents(spec);
  const ignoreMissingComponents = optionalBoolean(spec, "ignoreMissingComponents");
  const metadata = optionalObject(spec, "commonMetadata");
  const labels = metadata && stringMap(metadata, "labels", "spec.commonMetadata.labels");
  const annotations = metadata && stringMap(metadata, "annotations", "spec.commonMetadata.annotations");
  return {
    ...(targetNamespace ? { targetNamespace } : {}),
    ...(namePrefix ? { namePrefix } : {}),
    ...(nameSuffix ? { nameSuffix } : {}),
    ...(patches?.length ? { patches } : {}),
    ...(images?.length ? { images } : {}),
    ...(labels || annotations
      ? { commonMetadata: { ...(labels ? { labels } : {}), ...(annotations ? { annotations } : {}) } }
      : {}),
    ...(components?.length ? { components } : {}),
    ...(ignoreMissingComponents ? { ignoreMissingComponents } : {}),
  };
}
