import { createHash } from "node:crypto";
import { ReconcileError } from "../../reconcile/reconciler.ts";
import { isDigest } from "./reference.ts";

/** Reason of every registry failure that is not about credentials. */
export const OCI_PULL_FAILED = "OCIPullFailed";

export const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
export const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
export const DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
export const DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
/** Sent as `Accept` so registries answer with a manifest or index we understand, never schema 1. */
export const MANIFEST_ACCEPT = [OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_MANIFEST_LIST].join(", ");

export interface OciDescriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly platform?: { readonly os?: string; readonly architecture?: string };
}

export interface OciManifest {
  readonly mediaType?: string;
  readonly config: OciDescriptor;
  readonly layers: readonly OciDescriptor[];
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface OciIndex {
  readonly mediaType?: string;
  readonly manifests: readonly OciDescriptor[];
  readonly annotations?: Readonly<Record<string, string>>;
}

export type ManifestDocument =
  | { readonly kind: "manifest"; readonly mediaType: string; readonly manifest: OciManifest }
  | { readonly kind: "index"; readonly mediaType: string; readonly index: OciIndex };

function corrupt(where: string, why: string): ReconcileError {
  return new ReconcileError(OCI_PULL_FAILED, `the manifest of ${where} is corrupt: ${why}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function stringMap(value: unknown, where: string, field: string): Record<string, string> | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isRecord(value) || !Object.values(value).every((v) => typeof v === "string"))
    throw corrupt(where, `${field} must be a map of strings`);
  return value as Record<string, string>;
}

function descriptor(value: unknown, where: string, field: string): OciDescriptor {
  if (!isRecord(value)) throw corrupt(where, `${field} is not a descriptor`);
  const { mediaType, digest, size, platform } = value;
  if (typeof mediaType !== "string") throw corrupt(where, `${field}.mediaType is missing`);
  if (typeof digest !== "string" || !isDigest(digest))
    throw corrupt(where, `${field}.digest ${JSON.stringify(digest)} is not a sha256 or sha512 digest`);
  if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 0)
    throw corrupt(where, `${field}.size must be a non-negative integer`);
  const annotations = stringMap(value.annotations, where, `${field}.annotations`);
  return {
    mediaType,
    digest,
    size,
    ...(annotations ? { annotations } : {}),
    ...(isRecord(platform)
      ? { platform: { os: String(platform.os ?? ""), architecture: String(platform.architecture ?? "") } }
      : {}),
  };
}

/**
 * Parses a manifest or an index; `contentType` is the response's, used when the document does
 * not name its own media type (OCI allows that). Anything malformed is OCIPullFailed.
 */
export function parseManifestDocument(
  bytes: Uint8Array,
  contentType: string,
  where: string,
): ManifestDocument {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    throw corrupt(where, "it is not valid JSON");
  }
  if (!isRecord(json)) throw corrupt(where, "it is not a JSON object");
  const declared = typeof json.mediaType === "string" ? json.mediaType : undefined;
  const mediaType = declared ?? contentType.split(";")[0]?.trim() ?? "";
  const annotations = stringMap(json.annotations, where, "annotations");
  const common = { ...(declared ? { mediaType: declared } : {}), ...(annotations ? { annotations } : {}) };
  if (mediaType === OCI_INDEX || mediaType === DOCKER_MANIFEST_LIST || Array.isArray(json.manifests)) {
    if (!Array.isArray(json.manifests)) throw corrupt(where, "the index has no manifests list");
    const manifests = json.manifests.map((m, i) => descriptor(m, where, `manifests[${i}]`));
    return { kind: "index", mediaType: mediaType || OCI_INDEX, index: { ...common, manifests } };
  }
  if (json.schemaVersion !== 2) throw corrupt(where, `schemaVersion ${String(json.schemaVersion)} is not 2`);
  if (!Array.isArray(json.layers)) throw corrupt(where, "it has no layers list");
  const config = descriptor(json.config, where, "config");
  const layers = json.layers.map((l, i) => descriptor(l, where, `layers[${i}]`));
  return { kind: "manifest", mediaType: mediaType || OCI_MANIFEST, manifest: { ...common, config, layers } };
}

/** The entry of a multi-platform index to use: linux/amd64, or the index's only entry. */
export function pickPlatform(index: OciIndex, where: string): OciDescriptor {
  const only = index.manifests.length === 1 ? index.manifests[0] : undefined;
  const amd64 = index.manifests.find(
    (m) => m.platform?.os === "linux" && m.platform.architecture === "amd64",
  );
  const chosen = amd64 ?? only;
  if (!chosen)
    throw new ReconcileError(
      OCI_PULL_FAILED,
      `${where} is an image index with ${index.manifests.length} entries and none for linux/amd64`,
    );
  return chosen;
}

export function digestOf(bytes: Uint8Array, algorithm: "sha256" | "sha512" = "sha256"): string {
  return `${algorithm}:${createHash(algorithm).update(bytes).digest("hex")}`;
}

export function sha256Of(bytes: Uint8Array): `sha256:${string}` {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

/** Content whose hash differs from the digest it was asked for by is refused, whatever it says. */
export function verifyDigest(bytes: Uint8Array, expected: string, what: string): void {
  const algorithm = expected.startsWith("sha512:") ? "sha512" : "sha256";
  const actual = digestOf(bytes, algorithm);
  if (actual !== expected)
    throw new ReconcileError(
      OCI_PULL_FAILED,
      `${what}: digest mismatch: expected ${expected}, got ${actual}`,
    );
}
