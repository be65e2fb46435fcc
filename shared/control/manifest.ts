import { isDeepStrictEqual } from "node:util";
import { parse } from "yaml";
import type { ObjectKey, PutObjectInput, StoredObject } from "../ports/index.ts";

/** A manifest that cannot be registered as written; the message names the field. */
export class ManifestError extends Error {
  readonly reason = "InvalidManifest";
}

/** Larger bodies are refused before parsing: a toolkit object is a few kilobytes. */
export const MAX_MANIFEST_BYTES = 1024 * 1024;
const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

function record(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new ManifestError(`${field} must be an object`);
  return value as Record<string, unknown>;
}

function stringMap(value: unknown, field: string): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  const map = record(value, field);
  for (const [k, v] of Object.entries(map))
    if (typeof v !== "string") throw new ManifestError(`${field}.${k} must be a string`);
  return map as Record<string, string>;
}

/**
 * Reads one toolkit object (YAML or JSON, as `kubectl apply` takes it) for registration under
 * `key`. The body's kind, namespace and name must agree with the key; a missing namespace
 * takes the key's. Aliases are capped so a small body cannot expand into a huge one.
 */
export function parseManifest(body: string, key: ObjectKey): PutObjectInput {
  if (Buffer.byteLength(body) > MAX_MANIFEST_BYTES)
    throw new ManifestError(`the manifest is larger than ${MAX_MANIFEST_BYTES} bytes`);
  let parsed: unknown;
  try {
    parsed = parse(body, { maxAliasCount: 100, prettyErrors: true });
  } catch (error) {
    throw new ManifestError(`the manifest is not valid YAML or JSON: ${(error as Error).message}`);
  }
  return manifestInput(parsed, key);
}

/**
 * Checks one parsed toolkit object for registration under `key`: what the API takes from a
 * request body and a Kustomization from its rendered output.
 */
export function manifestInput(parsed: unknown, key: ObjectKey): PutObjectInput {
  const manifest = record(parsed, "the manifest");
  const { apiVersion, kind } = manifest;
  if (typeof apiVersion !== "string" || !apiVersion.includes("/"))
    throw new ManifestError("apiVersion must be group/version, e.g. source.toolkit.fluxcd.io/v1");
  if (kind !== key.kind)
    throw new ManifestError(`kind is ${JSON.stringify(kind)}, but the path says ${key.kind}`);
  const metadata = record(manifest.metadata, "metadata");
  if (metadata.name !== key.name)
    throw new ManifestError(
      `metadata.name is ${JSON.stringify(metadata.name)}, but the path says ${key.name}`,
    );
  const namespace = metadata.namespace ?? key.namespace;
  if (namespace !== key.namespace)
    throw new ManifestError(
      `metadata.namespace is ${JSON.stringify(namespace)}, but the path says ${key.namespace}`,
    );
  if (!NAME.test(key.name) || !NAME.test(key.namespace))
    throw new ManifestError("name and namespace must be lower-case DNS names");
  const labels = stringMap(metadata.labels, "metadata.labels");
  const annotations = stringMap(metadata.annotations, "metadata.annotations");
  return {
    key,
    apiVersion,
    metadata: { ...(labels ? { labels } : {}), ...(annotations ? { annotations } : {}) },
    spec: record(manifest.spec ?? {}, "spec"),
  };
}

/** Whether registering `input` would change nothing: then it is not written at all. */
export function sameDesiredState(stored: StoredObject, input: PutObjectInput): boolean {
  return (
    stored.apiVersion === input.apiVersion &&
    isDeepStrictEqual(stored.metadata, input.metadata) &&
    isDeepStrictEqual(stored.spec, input.spec)
  );
}
