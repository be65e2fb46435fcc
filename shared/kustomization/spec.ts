import {
  oneOf,
  optionalArray,
  optionalBoolean,
  optionalObject,
  optionalString,
  requiredString,
} from "../api/spec-fields.ts";
import type { ObjectKey, StoredObject } from "../ports/index.ts";
import { ReconcileError } from "../reconcile/reconciler.ts";
import { sourceRefKey } from "../sources/source-ref.ts";
import type { KustomizationTarget } from "./cluster-target.ts";

/** A reference to an object in the cluster, as healthChecks name them. */
export interface HealthCheckRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
}

export type DeletionPolicy = "MirrorPrune" | "Delete" | "WaitForTermination" | "Orphan";

/** What one run needs from a Flux Kustomization's spec, read once and checked. */
export interface KustomizationSpec {
  readonly source: ObjectKey;
  readonly path: string;
  readonly prune: boolean;
  readonly wait: boolean;
  readonly force: boolean;
  readonly healthChecks: readonly HealthCheckRef[];
  readonly dependsOn: readonly ObjectKey[];
  readonly target: KustomizationTarget;
  /** `system:serviceaccount:<namespace>:<name>` to impersonate for the apply, when set. */
  readonly impersonate: string | undefined;
  readonly deletionPolicy: DeletionPolicy;
}

const SOURCE_KINDS = ["GitRepository", "OCIRepository", "Bucket"] as const;

function unsupported(field: string, why: string): ReconcileError {
  return new ReconcileError("UnsupportedField", `${field} is not supported yet: ${why}`, { stalled: true });
}

function listOf(spec: Readonly<Record<string, unknown>>, name: string): Readonly<Record<string, unknown>>[] {
  return (optionalArray(spec, name) ?? []).map((item, i) => {
    if (typeof item !== "object" || item === null || Array.isArray(item))
      throw new ReconcileError("InvalidSpec", `spec.${name}[${i}] must be an object`, { stalled: true });
    return item as Readonly<Record<string, unknown>>;
  });
}

function targetOf(object: StoredObject): KustomizationTarget {
  const kubeConfig = optionalObject(object.spec, "kubeConfig");
  if (!kubeConfig) return { type: "default" };
  const configMapRef = optionalObject(kubeConfig, "configMapRef", "spec.kubeConfig.configMapRef");
  if (configMapRef)
    return {
      type: "configMap",
      ref: {
        namespace: object.key.namespace,
        name: requiredString(configMapRef, "name", "spec.kubeConfig.configMapRef.name"),
      },
    };
  const secretRef = optionalObject(kubeConfig, "secretRef", "spec.kubeConfig.secretRef");
  if (!secretRef)
    throw new ReconcileError("InvalidSpec", "spec.kubeConfig needs a secretRef or a configMapRef", {
      stalled: true,
    });
  return {
    type: "kubeconfig",
    secretRef: {
      namespace: object.key.namespace,
      name: requiredString(secretRef, "name", "spec.kubeConfig.secretRef.name"),
    },
    key: optionalString(secretRef, "key", "spec.kubeConfig.secretRef.key") ?? "value",
  };
}

/** Reads and checks the spec; fields sluice cannot honour yet stop the object with a clear reason. */
export function readKustomizationSpec(object: StoredObject): KustomizationSpec {
  const { spec } = object;
  if (optionalObject(spec, "decryption"))
    throw unsupported(
      "spec.decryption",
      "SOPS decryption is not available in sluice; remove the field or decrypt before committing",
    );
  if (optionalArray(spec, "healthCheckExprs")?.length)
    throw unsupported(
      "spec.healthCheckExprs",
      "CEL health expressions are not evaluated; use spec.healthChecks",
    );
  const sourceRef = optionalObject(spec, "sourceRef");
  if (!sourceRef) throw new ReconcileError("InvalidSpec", "spec.sourceRef is required", { stalled: true });
  const serviceAccount = optionalString(spec, "serviceAccountName");
  return {
    source: sourceRefKey(object, sourceRef, "spec.sourceRef", SOURCE_KINDS),
    path: optionalString(spec, "path") ?? "./",
    prune: optionalBoolean(spec, "prune") ?? false,
    wait: optionalBoolean(spec, "wait") ?? false,
    force: optionalBoolean(spec, "force") ?? false,
    healthChecks: listOf(spec, "healthChecks").map((check, i) => {
      const field = `spec.healthChecks[${i}]`;
      const namespace = optionalString(check, "namespace", `${field}.namespace`);
      return {
        apiVersion: requiredString(check, "apiVersion", `${field}.apiVersion`),
        kind: requiredString(check, "kind", `${field}.kind`),
        name: requiredString(check, "name", `${field}.name`),
        ...(namespace ? { namespace } : {}),
      };
    }),
    dependsOn: listOf(spec, "dependsOn").map((dep, i) => ({
      kind: "Kustomization",
      namespace: optionalString(dep, "namespace", `spec.dependsOn[${i}].namespace`) ?? object.key.namespace,
      name: requiredString(dep, "name", `spec.dependsOn[${i}].name`),
    })),
    target: targetOf(object),
    impersonate: serviceAccount
      ? `system:serviceaccount:${optionalString(spec, "targetNamespace") ?? object.key.namespace}:${serviceAccount}`
      : undefined,
    deletionPolicy: oneOf(
      spec,
      "deletionPolicy",
      ["MirrorPrune", "Delete", "WaitForTermination", "Orphan"],
      "MirrorPrune",
    ),
  };
}
