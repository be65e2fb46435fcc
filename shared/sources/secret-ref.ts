import { optionalObject, requiredString } from "../api/spec-fields.ts";
import type { SecretStore, StoredObject } from "../ports/index.ts";
import { ReconcileError } from "../reconcile/reconciler.ts";

/**
 * The data of the Secret named by `spec.<field>.name`, in the object's namespace, as Flux reads
 * it; undefined when the spec names none. A named Secret that does not exist is an
 * AuthenticationFailed error that says which Secret to create (never what it should contain).
 */
export async function readSecretRef(
  object: StoredObject,
  secrets: SecretStore,
  field = "secretRef",
): Promise<Readonly<Record<string, string>> | undefined> {
  const ref = optionalObject(object.spec, field);
  if (!ref) return undefined;
  const name = requiredString(ref, "name", `spec.${field}.name`);
  const namespace = object.key.namespace;
  const data = await secrets.get({ namespace, name });
  if (!data)
    throw new ReconcileError(
      "AuthenticationFailed",
      `secret '${namespace}/${name}' named by spec.${field} was not found`,
    );
  return data;
}
