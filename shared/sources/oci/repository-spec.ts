import { SpecError } from "../../api/errors.ts";
import {
  oneOf,
  optionalBoolean,
  optionalObject,
  optionalString,
  requiredString,
} from "../../api/spec-fields.ts";
import { ReconcileError } from "../../reconcile/reconciler.ts";
import { parseConstraint, type VersionConstraint } from "../version-constraint.ts";
import { isDigest, isTag, type OciRepositoryAddress, parseOciUrl } from "./reference.ts";

/** The layer `flux push artifact` writes; picked by default when the artifact has one. */
export const FLUX_CONTENT_MEDIA_TYPE = "application/vnd.cncf.flux.content.v1.tar+gzip";

/** `spec.ref` after Flux's precedence: digest > semver > tag; `latest` by default. */
export type OciRef =
  | { readonly kind: "digest"; readonly digest: string }
  | { readonly kind: "semver"; readonly constraint: VersionConstraint; readonly filter?: RegExp }
  | { readonly kind: "tag"; readonly tag: string };

export interface LayerSelector {
  /** Set only when the spec names one; otherwise Flux's content type, else the first layer. */
  readonly mediaType?: string;
  readonly operation: "extract" | "copy";
}

export interface OciRepositorySpec {
  readonly address: OciRepositoryAddress;
  readonly ref: OciRef;
  readonly layerSelector: LayerSelector;
  /** The spec's own `layerSelector`, echoed as `status.observedLayerSelector`. */
  readonly observedLayerSelector?: Readonly<Record<string, unknown>>;
  readonly provider: "generic" | "aws";
  readonly insecure: boolean;
  readonly ignore?: string;
}

function unsupported(field: string, why: string): ReconcileError {
  return new ReconcileError("UnsupportedField", `${field} is not supported yet: ${why}`, { stalled: true });
}

function readRef(spec: Readonly<Record<string, unknown>>): OciRef {
  const ref = optionalObject(spec, "ref") ?? {};
  const digest = optionalString(ref, "digest", "spec.ref.digest");
  if (digest) {
    if (!isDigest(digest))
      throw new SpecError(
        "InvalidSpec",
        "spec.ref.digest",
        `must be sha256:<64 hex digits>, got ${JSON.stringify(digest)}`,
      );
    return { kind: "digest", digest };
  }
  const range = optionalString(ref, "semver", "spec.ref.semver");
  if (range) {
    const filterText = optionalString(ref, "semverFilter", "spec.ref.semverFilter");
    let filter: RegExp | undefined;
    try {
      filter = filterText ? new RegExp(filterText) : undefined;
    } catch {
      throw new SpecError(
        "InvalidSpec",
        "spec.ref.semverFilter",
        `'${filterText}' is not a valid regular expression`,
      );
    }
    return {
      kind: "semver",
      constraint: parseConstraint(range, "spec.ref.semver"),
      ...(filter ? { filter } : {}),
    };
  }
  const tag = optionalString(ref, "tag", "spec.ref.tag") || "latest";
  if (!isTag(tag)) throw new SpecError("InvalidSpec", "spec.ref.tag", `'${tag}' is not a valid OCI tag`);
  return { kind: "tag", tag };
}

/**
 * Reads an OCIRepository spec. Fields sluice cannot honour yet stall the object with a message
 * naming the field, rather than being ignored: an unverified or unproxied pull must not pass
 * for a verified or proxied one.
 */
export function readOciRepositorySpec(spec: Readonly<Record<string, unknown>>): OciRepositorySpec {
  if (optionalObject(spec, "verify"))
    throw unsupported(
      "spec.verify",
      "sluice cannot check cosign or notation signatures, so this artifact would be used unverified; remove spec.verify only if that is acceptable",
    );
  if (optionalObject(spec, "certSecretRef"))
    throw unsupported(
      "spec.certSecretRef",
      "custom CA and client certificates for registries are not implemented",
    );
  if (optionalObject(spec, "proxySecretRef"))
    throw unsupported("spec.proxySecretRef", "registry access through a proxy is not implemented");
  if (optionalString(spec, "serviceAccountName"))
    throw unsupported(
      "spec.serviceAccountName",
      "there are no Kubernetes service accounts to read pull secrets from; use spec.secretRef",
    );
  const provider = oneOf(spec, "provider", ["generic", "aws", "azure", "gcp"] as const, "generic");
  if (provider === "azure" || provider === "gcp")
    throw new ReconcileError(
      "UnsupportedProvider",
      `spec.provider '${provider}' is not supported yet: use 'generic' with spec.secretRef, or 'aws' for ECR`,
      { stalled: true },
    );
  const selector = optionalObject(spec, "layerSelector");
  const mediaType = selector
    ? optionalString(selector, "mediaType", "spec.layerSelector.mediaType")
    : undefined;
  const operation = selector
    ? oneOf(selector, "operation", ["extract", "copy"] as const, "extract", "spec.layerSelector.operation")
    : "extract";
  const ignore = optionalString(spec, "ignore");
  return {
    address: parseOciUrl(requiredString(spec, "url")),
    ref: readRef(spec),
    layerSelector: { ...(mediaType ? { mediaType } : {}), operation },
    ...(selector ? { observedLayerSelector: selector } : {}),
    provider,
    insecure: optionalBoolean(spec, "insecure") ?? false,
    ...(ignore !== undefined ? { ignore } : {}),
  };
}
