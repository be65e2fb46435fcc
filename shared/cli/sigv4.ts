import { Sha256 } from "@aws-crypto/sha256-js";
import { SignatureV4 } from "@smithy/signature-v4";
import { CliError } from "./errors.ts";

/** What a request needs to carry to pass an IAM-authenticated Lambda function URL. */
export interface OutgoingRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

/** Adds authentication headers to a request; the identity for unsigned (local) APIs. */
export type RequestSigner = (request: OutgoingRequest) => Promise<Record<string, string>>;

export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

export type CredentialProvider = () => Promise<AwsCredentials>;

export interface SigV4Options {
  readonly region: string;
  /** @default the AWS SDK's default chain (environment, AWS_PROFILE or `profile`, SSO, IMDS…) */
  readonly credentials?: CredentialProvider;
  readonly profile?: string;
  /** For tests: a fixed signing time. */
  readonly signingDate?: () => Date;
}

/** The SDK's provider chain, loaded only when a context needs it (it is large). */
async function defaultCredentials(profile: string | undefined): Promise<CredentialProvider> {
  const { fromNodeProviderChain } = await import("@aws-sdk/credential-providers");
  return fromNodeProviderChain(profile ? { profile } : {});
}

function credentialFailure(error: unknown, profile: string | undefined): CliError {
  const text = error instanceof Error ? error.message.split("\n")[0] : String(error);
  const who = profile ? `profile '${profile}'` : "the default AWS credential chain";
  const expired = /expired|token.*(invalid|refresh)/i.test(text ?? "");
  return new CliError(
    "Credentials",
    `${expired ? "AWS credentials have expired" : "no usable AWS credentials"} (${who}): ${text}`,
    {
      hint: profile
        ? `refresh them (e.g. \`aws sso login --profile ${profile}\`) or choose another profile in the context`
        : "set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run `aws sso login`",
      cause: error,
    },
  );
}

/**
 * Signs API requests with SigV4 for service `lambda`, as an IAM-authenticated function URL
 * (the stack's `ApiUrl`) demands. Credentials are resolved once per process.
 */
export function sigv4Signer(options: SigV4Options): RequestSigner {
  let provider: Promise<CredentialProvider> | undefined;
  return async (request) => {
    provider ??= options.credentials
      ? Promise.resolve(options.credentials)
      : defaultCredentials(options.profile);
    let credentials: AwsCredentials;
    try {
      credentials = await (await provider)();
    } catch (error) {
      throw credentialFailure(error, options.profile);
    }
    const signer = new SignatureV4({
      service: "lambda",
      region: options.region,
      credentials,
      sha256: Sha256,
    });
    const query: Record<string, string> = {};
    for (const [k, v] of request.url.searchParams) query[k] = v;
    const signed = await signer.sign(
      {
        method: request.method,
        protocol: request.url.protocol,
        hostname: request.url.hostname,
        ...(request.url.port ? { port: Number(request.url.port) } : {}),
        path: request.url.pathname,
        query,
        headers: { ...request.headers, host: request.url.host },
        ...(request.body !== undefined ? { body: request.body } : {}),
      },
      options.signingDate ? { signingDate: options.signingDate() } : {},
    );
    return signed.headers;
  };
}
