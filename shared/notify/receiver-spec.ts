import { parseDuration } from "../api/duration.ts";
import { SpecError } from "../api/errors.ts";
import {
  optionalArray,
  optionalBoolean,
  optionalObject,
  optionalString,
  optionalStringArray,
  requiredString,
} from "../api/spec-fields.ts";
import type { SecretRef, StoredObject } from "../ports/index.ts";
import { ReconcileError } from "../reconcile/reconciler.ts";
import { DEFAULT_INTERVAL_MS } from "../reconcile/schedule.ts";

/** The webhook senders sluice verifies, by Flux's `spec.type` names. */
export const RECEIVER_TYPES = [
  "generic",
  "generic-hmac",
  "github",
  "gitlab",
  "bitbucket",
  "harbor",
  "dockerhub",
  "quay",
  "cdevents",
] as const;

export type ReceiverType = (typeof RECEIVER_TYPES)[number];

/** Types Flux knows that need a cloud identity or an OIDC issuer sluice does not talk to yet. */
const NOT_YET: Readonly<Record<string, string>> = {
  gcr: "Google Pub/Sub push tokens are not verified",
  acr: "Azure Container Registry webhooks are not handled",
  nexus: "Nexus signatures are not verified",
  "generic-oidc": "OIDC tokens are not verified",
};

/** The kinds a Receiver may name, as Flux's API allows them. */
export const RECEIVER_RESOURCE_KINDS = [
  "Bucket",
  "GitRepository",
  "OCIRepository",
  "HelmRepository",
  "HelmChart",
  "HelmRelease",
  "Kustomization",
  "ImageRepository",
  "ImagePolicy",
  "ImageUpdateAutomation",
  "ArtifactGenerator",
] as const;

/** One entry of `spec.resources`: one object by name, or with name `*` every object matching labels. */
export interface ReceiverResource {
  readonly apiVersion?: string;
  readonly kind: string;
  /** `*` selects by `matchLabels`; Flux ignores the labels for any other name, and so do we. */
  readonly name: string;
  /** The object's namespace; the Receiver's own when absent. */
  readonly namespace: string;
  readonly matchLabels?: Readonly<Record<string, string>>;
}

/** A Flux Receiver's spec, read once and checked. */
export interface ReceiverSpec {
  readonly type: ReceiverType;
  /** Event names to act on (case-insensitive); empty means every event. */
  readonly events: readonly string[];
  readonly resources: readonly ReceiverResource[];
  /** Holds the `token` key, in the Receiver's namespace. */
  readonly secretRef: SecretRef;
  readonly intervalMs: number;
  readonly suspend: boolean;
}

function invalid(message: string): ReconcileError {
  return new ReconcileError("InvalidSpec", message, { stalled: true });
}

function labelsOf(value: Readonly<Record<string, unknown>>, field: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [key, label] of Object.entries(value)) {
    if (typeof label !== "string") throw invalid(`${field}.${key} must be a string`);
    labels[key] = label;
  }
  return labels;
}

function resourceOf(item: unknown, i: number, defaultNamespace: string): ReceiverResource {
  const field = `spec.resources[${i}]`;
  if (typeof item !== "object" || item === null || Array.isArray(item))
    throw invalid(`${field} must be an object`);
  const entry = item as Readonly<Record<string, unknown>>;
  if (optionalString(entry, "filter", `${field}.filter`))
    throw new ReconcileError(
      "UnsupportedField",
      `${field}.filter is not supported yet: CEL filters are not evaluated; list the objects or select them with matchLabels`,
      { stalled: true },
    );
  const kind = requiredString(entry, "kind", `${field}.kind`);
  if (!(RECEIVER_RESOURCE_KINDS as readonly string[]).includes(kind))
    throw invalid(`${field}.kind must be one of ${RECEIVER_RESOURCE_KINDS.join(", ")}, got "${kind}"`);
  const name = requiredString(entry, "name", `${field}.name`);
  const apiVersion = optionalString(entry, "apiVersion", `${field}.apiVersion`);
  const labels = optionalObject(entry, "matchLabels", `${field}.matchLabels`);
  if (name === "*" && !labels)
    throw invalid(`${field}: name "*" selects by labels, so matchLabels is required`);
  return {
    kind,
    name,
    namespace: optionalString(entry, "namespace", `${field}.namespace`) || defaultNamespace,
    ...(apiVersion ? { apiVersion } : {}),
    ...(labels ? { matchLabels: labelsOf(labels, `${field}.matchLabels`) } : {}),
  };
}

function typeOf(spec: Readonly<Record<string, unknown>>): ReceiverType {
  const type = requiredString(spec, "type");
  const missing = NOT_YET[type];
  if (missing)
    throw new ReconcileError("UnsupportedField", `spec.type "${type}" is not supported yet: ${missing}`, {
      stalled: true,
    });
  if (!(RECEIVER_TYPES as readonly string[]).includes(type))
    throw invalid(`spec.type must be one of ${RECEIVER_TYPES.join(", ")}, got "${type}"`);
  return type as ReceiverType;
}

function read(object: StoredObject): ReceiverSpec {
  const { spec } = object;
  if (optionalString(spec, "resourceFilter"))
    throw new ReconcileError(
      "UnsupportedField",
      "spec.resourceFilter is not supported yet: CEL filters are not evaluated; list the objects or select them with matchLabels",
      { stalled: true },
    );
  const type = typeOf(spec);
  const resources = optionalArray(spec, "resources");
  if (!resources) throw invalid("spec.resources is required");
  const secretRef = optionalObject(spec, "secretRef");
  if (!secretRef) throw invalid("spec.secretRef is required: name a Secret with a token key");
  const interval = optionalString(spec, "interval");
  return {
    type,
    events: optionalStringArray(spec, "events") ?? [],
    resources: resources.map((item, i) => resourceOf(item, i, object.key.namespace)),
    secretRef: {
      namespace: object.key.namespace,
      name: requiredString(secretRef, "name", "spec.secretRef.name"),
    },
    intervalMs: interval === undefined ? DEFAULT_INTERVAL_MS : parseDuration(interval, "spec.interval"),
    suspend: optionalBoolean(spec, "suspend") ?? false,
  };
}

/** Reads and checks a Receiver's spec; anything wrong stops the object (Stalled) until it changes. */
export function readReceiverSpec(object: StoredObject): ReceiverSpec {
  try {
    return read(object);
  } catch (error) {
    if (error instanceof SpecError)
      throw new ReconcileError(error.reason, error.message, { stalled: true, cause: error });
    throw error;
  }
}
