import { ECRClient, type ECRClientConfig, GetAuthorizationTokenCommand } from "@aws-sdk/client-ecr";
import { type Clock, systemClock } from "../../ports/clock.ts";
import { PortError } from "../../ports/errors.ts";
import type { RegistryCredentials, RegistryLogin, RegistryLoginInput } from "../../ports/registry-login.ts";
import { isTransientSdkError, sdkErrorShape } from "./sdk-errors.ts";

export interface EcrRegistryLoginOptions {
  /** Base configuration of the ECR clients (credentials, endpoint for tests); the region comes from each host. */
  readonly clientConfig?: ECRClientConfig;
  readonly clock?: Clock;
}

/** `<account>.dkr.ecr[-fips].<region>.amazonaws.com[.cn]`: a private ECR registry. */
const ECR_HOST = /^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/;
/** Tokens last 12 hours; renew well before, so a token never expires mid-pull. */
const RENEW_BEFORE_MS = 15 * 60 * 1000;

export function parseEcrHost(host: string): { account: string; region: string } | undefined {
  const match = ECR_HOST.exec(host.replace(/:443$/, ""));
  return match?.[1] && match[2] ? { account: match[1], region: match[2] } : undefined;
}

/**
 * Logs in to private ECR registries with the runtime's IAM identity (GetAuthorizationToken),
 * one client per region, tokens cached per host until shortly before they expire.
 */
export class EcrRegistryLogin implements RegistryLogin {
  readonly #options: EcrRegistryLoginOptions;
  readonly #clock: Clock;
  readonly #clients = new Map<string, ECRClient>();
  readonly #cache = new Map<string, { credentials: RegistryCredentials; expiresAt: number }>();

  constructor(options: EcrRegistryLoginOptions = {}) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
  }

  async login(input: RegistryLoginInput): Promise<RegistryCredentials> {
    const ecr = parseEcrHost(input.host);
    if (!ecr)
      throw new PortError(
        "Invalid",
        `${input.host} is not an ECR registry (<account>.dkr.ecr.<region>.amazonaws.com); use provider 'generic' with spec.secretRef for other registries`,
      );
    const cached = this.#cache.get(input.host);
    if (cached && cached.expiresAt - RENEW_BEFORE_MS > this.#clock.now()) return cached.credentials;
    let data: { authorizationToken?: string | undefined; expiresAt?: Date | undefined } | undefined;
    try {
      const output = await this.#client(ecr.region).send(
        new GetAuthorizationTokenCommand({ registryIds: [ecr.account] }),
        input.signal ? { abortSignal: input.signal } : {},
      );
      data = output.authorizationData?.[0];
    } catch (error) {
      if (input.signal?.aborted) throw input.signal.reason ?? error;
      throw toPortError(error, input.host);
    }
    const decoded = Buffer.from(data?.authorizationToken ?? "", "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon <= 0)
      throw new PortError("Invalid", `ECR returned no usable authorization token for ${input.host}`);
    const credentials = { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
    if (data?.expiresAt) this.#cache.set(input.host, { credentials, expiresAt: data.expiresAt.getTime() });
    return credentials;
  }

  #client(region: string): ECRClient {
    let client = this.#clients.get(region);
    if (!client) {
      client = new ECRClient({ ...this.#options.clientConfig, region });
      this.#clients.set(region, client);
    }
    return client;
  }
}

/** The one place this adapter maps SDK, credential and network failures; never echoes the token. */
function toPortError(error: unknown, host: string): PortError {
  const name = sdkErrorShape(error).name ?? "unknown error";
  if (isTransientSdkError(error))
    return new PortError("Transient", `ECR login for ${host} failed (${name}); retry later`, {
      cause: error,
    });
  if (name === "AccessDeniedException")
    return new PortError("Invalid", `not allowed to log in to ${host}: grant ecr:GetAuthorizationToken`, {
      cause: error,
    });
  if (name === "CredentialsProviderError")
    return new PortError("Invalid", `no AWS credentials to log in to ${host}`, { cause: error });
  return new PortError("Invalid", `ECR login for ${host} failed (${name})`, { cause: error });
}
