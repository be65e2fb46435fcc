import { ReconcileError } from "../../reconcile/reconciler.ts";
import type { HttpCredentials } from "./http-transport.ts";

/** `spec.url` split into what is fetched and any credentials written into it. */
export interface HttpRemote {
  /** The URL without user or password: what requests, messages and the cache key use. */
  readonly url: string;
  /** `https://user:pass@host/…` credentials, used when the object names no secret. */
  readonly inline?: HttpCredentials;
}

const SCP_LIKE = /^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:(?!\/\/)/;

/**
 * Reads `spec.url`. HTTP(S) is supported; SSH (`ssh://…` or `git@host:org/repo`) is not yet and
 * stalls with UnsupportedURL; anything else stalls with URLInvalid. Messages never repeat a
 * password written into the URL.
 */
export function parseRemoteUrl(raw: string): HttpRemote {
  const trimmed = raw.trim();
  if (trimmed.startsWith("ssh://") || SCP_LIKE.test(trimmed))
    throw new ReconcileError(
      "UnsupportedURL",
      "spec.url: SSH URLs are not supported yet; use the repository's HTTPS URL with a secret holding username and password (or bearerToken)",
      { stalled: true },
    );
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw new ReconcileError(
      "URLInvalid",
      `spec.url '${trimmed.replace(/\/\/[^/@]*@/, "//")}' is not a URL`,
      {
        stalled: true,
      },
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new ReconcileError(
      "URLInvalid",
      `spec.url scheme '${url.protocol.replace(/:$/, "")}' is not supported; use https:// (or http://)`,
      { stalled: true },
    );
  if (url.hostname === "") throw new ReconcileError("URLInvalid", "spec.url has no host", { stalled: true });
  const username = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  url.username = "";
  url.password = "";
  url.hash = "";
  return {
    url: url.toString(),
    ...(username || password ? { inline: { kind: "basic" as const, username, password } } : {}),
  };
}

/**
 * The credentials a GitRepository's secret holds for HTTP(S), in Flux's keys: `bearerToken`, or
 * `username` and `password`. A secret with neither fails with AuthenticationFailed, naming the
 * secret and the keys it needs, never its values.
 */
export function httpCredentialsOf(
  data: Readonly<Record<string, string>>,
  secretName: string,
): HttpCredentials {
  if (data.bearerToken) return { kind: "bearer", token: data.bearerToken };
  if (data.username !== undefined || data.password !== undefined)
    return { kind: "basic", username: data.username ?? "", password: data.password ?? "" };
  throw new ReconcileError(
    "AuthenticationFailed",
    `secret '${secretName}' named by spec.secretRef has neither 'username' and 'password' nor 'bearerToken' for an HTTPS repository`,
  );
}
