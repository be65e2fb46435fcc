import { ReconcileError } from "../../reconcile/reconciler.ts";
import type { RegistryCredentials } from "./registry-auth.ts";

type SecretData = Readonly<Record<string, string>>;

/** `https://ghcr.io/v1/`, `ghcr.io` → `ghcr.io`: docker config keys come in all these shapes. */
function normaliseHost(key: string): string {
  return key
    .replace(/^[a-z]+:\/\//i, "")
    .replace(/\/.*$/, "")
    .toLowerCase();
}

function fromEntry(entry: unknown): RegistryCredentials | undefined {
  if (typeof entry !== "object" || entry === null) return undefined;
  const { username, password, auth } = entry as Record<string, unknown>;
  if (typeof username === "string" && typeof password === "string" && username !== "")
    return { username, password };
  if (typeof auth !== "string") return undefined;
  const decoded = Buffer.from(auth, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  return colon > 0 ? { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) } : undefined;
}

function parseJson(text: string, secretName: string, key: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // Never quote the text: it holds credentials.
    throw new ReconcileError("AuthenticationFailed", `secret '${secretName}': ${key} is not valid JSON`);
  }
}

/**
 * The credentials a Secret holds for one registry host, read the way Flux reads an
 * image pull secret: `.dockerconfigjson` (`auths.<host>` with username/password or `auth`),
 * the older `.dockercfg`, or plain `username` and `password` keys.
 */
export function credentialsFromSecret(
  data: SecretData,
  host: string,
  secretName: string,
): RegistryCredentials {
  const wanted = normaliseHost(host);
  const dockerConfig = data[".dockerconfigjson"];
  const legacy = data[".dockercfg"];
  if (dockerConfig !== undefined || legacy !== undefined) {
    const parsed =
      dockerConfig !== undefined
        ? (parseJson(dockerConfig, secretName, ".dockerconfigjson") as { auths?: unknown })?.auths
        : parseJson(legacy ?? "", secretName, ".dockercfg");
    const auths = typeof parsed === "object" && parsed !== null ? (parsed as Record<string, unknown>) : {};
    const key = Object.keys(auths).find((k) => normaliseHost(k) === wanted);
    const credentials = key === undefined ? undefined : fromEntry(auths[key]);
    if (credentials) return credentials;
    throw new ReconcileError(
      "AuthenticationFailed",
      `secret '${secretName}' has no credentials for ${host}: add an auths entry for '${host}' with a username and password (or auth)`,
    );
  }
  if (data.username !== undefined && data.password !== undefined && data.username !== "")
    return { username: data.username, password: data.password };
  throw new ReconcileError(
    "AuthenticationFailed",
    `secret '${secretName}' holds no registry credentials: expected a .dockerconfigjson (kubectl create secret docker-registry) or username and password keys`,
  );
}
