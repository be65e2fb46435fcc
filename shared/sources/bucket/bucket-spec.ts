import { SpecError } from "../../api/errors.ts";
import {
  oneOf,
  optionalBoolean,
  optionalObject,
  optionalString,
  requiredString,
} from "../../api/spec-fields.ts";
import type { BucketProvider } from "../../ports/buckets.ts";
import { ReconcileError } from "../../reconcile/reconciler.ts";

/** What a Bucket's spec asks for, checked. */
export interface BucketSpec {
  readonly provider: BucketProvider;
  readonly bucketName: string;
  /** `host[:port]`; absent only for `aws`, which then uses Amazon S3 itself. */
  readonly endpoint?: string;
  readonly region?: string;
  readonly insecure: boolean;
  readonly prefix?: string;
  readonly ignore?: string;
}

const PROVIDERS = ["generic", "aws", "gcp", "azure"] as const;

/** Fields Flux has that need machinery sluice does not have yet; refusing beats ignoring them. */
const UNSUPPORTED: readonly (readonly [field: string, why: string])[] = [
  ["sts", "temporary credentials from an STS endpoint are not supported yet: use spec.secretRef"],
  [
    "certSecretRef",
    "custom TLS certificates are not supported yet: use an endpoint with a publicly trusted certificate",
  ],
  ["proxySecretRef", "proxies are not supported yet: the endpoint must be reachable directly"],
  [
    "serviceAccountName",
    "workload identity is not supported yet: use provider 'aws' with the runtime's own role, or spec.secretRef",
  ],
];

export function readBucketSpec(spec: Readonly<Record<string, unknown>>): BucketSpec {
  const provider = oneOf(spec, "provider", PROVIDERS, "generic");
  if (provider === "gcp" || provider === "azure")
    throw new ReconcileError(
      "UnsupportedProvider",
      `spec.provider '${provider}' is not supported yet: use 'generic' (any S3-compatible endpoint, e.g. Google Cloud Storage's interoperability endpoint with HMAC keys) or 'aws'`,
      { stalled: true },
    );
  for (const [field, why] of UNSUPPORTED)
    if (spec[field] !== undefined && spec[field] !== null)
      throw new ReconcileError("UnsupportedField", `spec.${field}: ${why}`, { stalled: true });
  // Read for its type check only: the secret itself is read by the reconciler.
  optionalObject(spec, "secretRef");

  const bucketName = requiredString(spec, "bucketName");
  const endpoint =
    provider === "generic" ? requiredString(spec, "endpoint") : optionalString(spec, "endpoint") || undefined;
  if (endpoint !== undefined && !/^[A-Za-z0-9.-]+(:\d{1,5})?$/.test(endpoint))
    throw new SpecError(
      "InvalidSpec",
      "spec.endpoint",
      `must be host[:port] without a scheme or path (use spec.insecure for plain HTTP), got ${JSON.stringify(endpoint)}`,
    );
  const region = optionalString(spec, "region") || undefined;
  const prefix = optionalString(spec, "prefix") || undefined;
  const ignore = optionalString(spec, "ignore");
  return {
    provider,
    bucketName,
    ...(endpoint ? { endpoint } : {}),
    ...(region ? { region } : {}),
    insecure: optionalBoolean(spec, "insecure") ?? false,
    ...(prefix ? { prefix } : {}),
    ...(ignore !== undefined ? { ignore } : {}),
  };
}
