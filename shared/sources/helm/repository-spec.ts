import {
  oneOf,
  optionalBoolean,
  optionalObject,
  optionalString,
  requiredString,
} from "../../api/spec-fields.ts";
import type { SecretStore, StoredObject } from "../../ports/index.ts";
import { ReconcileError } from "../../reconcile/reconciler.ts";
import { readSecretRef } from "../secret-ref.ts";

/** The fields of a HelmRepository that decide where charts come from and how to log in. */
export interface HelmRepositorySpec {
  readonly type: "default" | "oci";
  /** As written, without a trailing slash. */
  readonly url: string;
  /** Send the repository's credentials to chart URLs on other hosts too. */
  readonly passCredentials: boolean;
  /** OCI only: talk plain HTTP to the registry. */
  readonly insecure: boolean;
}

export interface RepositoryCredentials {
  readonly username: string;
  readonly password: string;
  /** `namespace/name` of the Secret, for messages. */
  readonly secretName: string;
}

function unsupported(field: string, what: string): ReconcileError {
  return new ReconcileError("UnsupportedField", `${field}: ${what} is not supported yet; remove it`, {
    stalled: true,
  });
}

/**
 * Reads and checks a HelmRepository spec. Fields sluice cannot honour yet (cloud provider
 * logins, client certificates) fail loudly as Stalled rather than being ignored, since
 * ignoring them would pull with the wrong identity or trust.
 */
export function readHelmRepositorySpec(object: StoredObject): HelmRepositorySpec {
  const spec = object.spec;
  const type = oneOf(spec, "type", ["default", "oci"] as const, "default");
  const url = requiredString(spec, "url").replace(/\/+$/, "");
  const scheme = url.split("://")[0]?.toLowerCase();
  if (type === "oci" && scheme !== "oci")
    throw new ReconcileError("URLInvalid", `spec.url '${url}' must start with oci:// for type 'oci'`, {
      stalled: true,
    });
  if (type === "default" && scheme !== "http" && scheme !== "https")
    throw new ReconcileError(
      "URLInvalid",
      `spec.url '${url}' must be an http:// or https:// URL${scheme === "oci" ? " (or set spec.type: oci)" : ""}`,
      { stalled: true },
    );
  const provider = optionalString(spec, "provider") ?? "generic";
  if (provider !== "generic") throw unsupported("spec.provider", `'${provider}' (cloud identity login)`);
  if (optionalObject(spec, "certSecretRef"))
    throw unsupported("spec.certSecretRef", "TLS client certificates");
  return {
    type,
    url,
    passCredentials: optionalBoolean(spec, "passCredentials") ?? false,
    insecure: optionalBoolean(spec, "insecure") ?? false,
  };
}

/**
 * The username and password in the repository's `secretRef`, or undefined without one.
 * For OCI a `.dockerconfigjson` Secret works too, as `helm registry login` would write it.
 */
export async function readRepositoryCredentials(
  object: StoredObject,
  secrets: SecretStore,
): Promise<RepositoryCredentials | undefined> {
  const data = await readSecretRef(object, secrets);
  if (!data) return undefined;
  const secretName = `${object.key.namespace}/${(object.spec.secretRef as { name: string }).name}`;
  if (data.username !== undefined && data.password !== undefined)
    return { username: data.username, password: data.password, secretName };
  const docker = data[".dockerconfigjson"];
  if (docker !== undefined) {
    const fromDocker = dockerConfigLogin(docker, String(object.spec.url ?? ""));
    if (fromDocker) return { ...fromDocker, secretName };
  }
  throw new ReconcileError(
    "AuthenticationFailed",
    `secret '${secretName}' named by spec.secretRef has no 'username' and 'password' keys`,
  );
}

function dockerConfigLogin(json: string, url: string): { username: string; password: string } | undefined {
  const host = url.replace(/^oci:\/\//, "").split("/")[0] ?? "";
  try {
    const auths = (
      JSON.parse(json) as { auths?: Record<string, { username?: string; password?: string; auth?: string }> }
    ).auths;
    const entry = auths?.[host] ?? auths?.[`https://${host}`] ?? auths?.[`http://${host}`];
    if (!entry) return undefined;
    if (entry.username !== undefined && entry.password !== undefined)
      return { username: entry.username, password: entry.password };
    if (entry.auth) {
      const decoded = Buffer.from(entry.auth, "base64").toString("utf8");
      const colon = decoded.indexOf(":");
      if (colon > 0) return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
    }
  } catch {
    // A malformed config is reported below as missing credentials, without echoing its text.
  }
  return undefined;
}

export function basicAuthorization(credentials: RepositoryCredentials): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString("base64")}`;
}
