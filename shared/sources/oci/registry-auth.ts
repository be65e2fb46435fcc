import { ReconcileError } from "../../reconcile/reconciler.ts";
import { download } from "../http-download.ts";
import type { TransferMeter } from "../transfer-meter.ts";
import { OCI_PULL_FAILED } from "./manifest.ts";
import { parseWwwAuthenticate, pickChallenge } from "./www-authenticate.ts";

export interface RegistryCredentials {
  readonly username: string;
  readonly password: string;
}

export interface RegistryAuthOptions {
  readonly host: string;
  readonly credentials?: RegistryCredentials | undefined;
  readonly meter?: TransferMeter | undefined;
  /** Appended to authentication failures: where the credentials come from and what to check. */
  readonly hint: string;
}

/** Token responses are a few kilobytes; anything near this is not a token service. */
const MAX_TOKEN_RESPONSE = 1024 * 1024;

export function basicAuthorization(credentials: RegistryCredentials): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString("base64")}`;
}

/**
 * What a registry client learned about authenticating to one registry: whether it wants Basic
 * credentials, and the Bearer tokens it handed out per scope, kept for the client's life so a
 * poll costs one token request at most. Requests start anonymous; a 401 says what to do next.
 */
export class RegistryAuth {
  readonly #options: RegistryAuthOptions;
  readonly #tokens = new Map<string, string>();
  #basic = false;

  constructor(options: RegistryAuthOptions) {
    this.#options = options;
  }

  get hasCredentials(): boolean {
    return this.#options.credentials !== undefined;
  }

  /** The Authorization header for a request in `scope`, or undefined to go anonymous. */
  header(scope: string): string | undefined {
    const token = this.#tokens.get(scope);
    if (token) return `Bearer ${token}`;
    const { credentials } = this.#options;
    return this.#basic && credentials ? basicAuthorization(credentials) : undefined;
  }

  /**
   * Acts on a 401's `WWW-Authenticate`: remembers to send Basic credentials, or fetches a fresh
   * Bearer token for the scope. False when there is nothing new to try, so the caller fails.
   */
  async answer(challengeHeader: string | null, scope: string, signal?: AbortSignal): Promise<boolean> {
    const challenge = pickChallenge(parseWwwAuthenticate(challengeHeader));
    if (!challenge) return false;
    if (challenge.scheme === "basic") {
      if (this.#basic || !this.#options.credentials) return false;
      this.#basic = true;
      return true;
    }
    const realm = challenge.params.realm;
    if (!realm || !/^https?:\/\//.test(realm))
      throw new ReconcileError(
        OCI_PULL_FAILED,
        `${this.#options.host} asked for a bearer token without a usable realm URL`,
      );
    const url = new URL(realm);
    if (challenge.params.service) url.searchParams.set("service", challenge.params.service);
    url.searchParams.set("scope", challenge.params.scope ?? scope);
    this.#tokens.set(scope, await this.#fetchToken(url, signal));
    return true;
  }

  async #fetchToken(url: URL, signal?: AbortSignal): Promise<string> {
    const { credentials, meter, host, hint } = this.#options;
    const response = await download(url.toString(), {
      headers: credentials ? { authorization: basicAuthorization(credentials) } : {},
      maxBytes: MAX_TOKEN_RESPONSE,
      failureReason: OCI_PULL_FAILED,
      ...(signal ? { signal } : {}),
      ...(meter ? { meter } : {}),
    });
    const service = `${url.origin}${url.pathname}`;
    if (response.status === 401 || response.status === 403)
      throw new ReconcileError(
        "AuthenticationFailed",
        `authentication to ${host} failed: the token service ${service} refused ${credentials ? "the credentials" : "anonymous access"} (HTTP ${response.status}); ${hint}`,
      );
    if (response.status !== 200)
      throw new ReconcileError(
        OCI_PULL_FAILED,
        `the token service ${service} of ${host} answered HTTP ${response.status}`,
      );
    let token: unknown;
    try {
      const body = JSON.parse(new TextDecoder().decode(response.bytes)) as Record<string, unknown>;
      token = body.token ?? body.access_token;
    } catch {
      token = undefined;
    }
    if (typeof token !== "string" || token === "")
      throw new ReconcileError(OCI_PULL_FAILED, `the token service ${service} of ${host} returned no token`);
    return token;
  }
}
