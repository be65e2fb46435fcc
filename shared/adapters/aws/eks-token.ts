import { Sha256 } from "@aws-crypto/sha256-js";
import { SignatureV4, type SignatureV4Init } from "@smithy/signature-v4";
import { PortError } from "../../ports/errors.ts";

/** Static credentials or a provider (the SDK's default chain, an assumed role, …). */
export type AwsCredentials = SignatureV4Init["credentials"];

export interface EksTokenOptions {
  /** The EKS cluster name; EKS rejects a token signed for another cluster. */
  readonly clusterName: string;
  readonly credentials: AwsCredentials;
  /** Region of the STS endpoint the token is signed for: the cluster's region. */
  readonly region: string;
  /** Signing time, epoch ms; now unless given. */
  readonly now?: number;
}

const TOKEN_PREFIX = "k8s-aws-v1.";
const CLUSTER_ID_HEADER = "x-k8s-aws-id";
/**
 * STS ignores X-Amz-Expires for this call and honours the URL for 15 minutes after X-Amz-Date;
 * aws-iam-authenticator sends 60 for compatibility with old authenticators, and so do we.
 */
const PRESIGN_EXPIRES_SECONDS = 60;
/** How long EKS accepts a token after it was signed. */
export const EKS_TOKEN_LIFETIME_MS = 15 * 60_000;

function stsHostname(region: string): string {
  return region.startsWith("cn-") ? `sts.${region}.amazonaws.com.cn` : `sts.${region}.amazonaws.com`;
}

function encode(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/**
 * A bearer token for an EKS cluster, made as aws-iam-authenticator and `aws eks get-token` make it:
 * an STS GetCallerIdentity request presigned with SigV4 (the cluster name signed in as the
 * x-k8s-aws-id header), its URL base64url-encoded without padding after `k8s-aws-v1.`. EKS replays
 * the URL to STS to learn who signed it. Signing is local: no network call is made.
 */
export async function eksToken(options: EksTokenOptions): Promise<string> {
  if (options.clusterName === "") throw new PortError("Invalid", "an EKS token needs a cluster name");
  if (options.region === "") throw new PortError("Invalid", "an EKS token needs a region");
  const hostname = stsHostname(options.region);
  const signer = new SignatureV4({
    credentials: options.credentials,
    region: options.region,
    service: "sts",
    sha256: Sha256,
  });
  const signed = await signer.presign(
    {
      method: "GET",
      protocol: "https:",
      hostname,
      path: "/",
      query: { Action: "GetCallerIdentity", Version: "2011-06-15" },
      headers: { host: hostname, [CLUSTER_ID_HEADER]: options.clusterName },
    },
    { expiresIn: PRESIGN_EXPIRES_SECONDS, signingDate: new Date(options.now ?? Date.now()) },
  );
  // Sorted, with the signature last: the URL the Go SDK (and so aws-iam-authenticator) produces.
  const { "X-Amz-Signature": signature, ...rest } = signed.query ?? {};
  const params = Object.entries(rest)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${encode(k)}=${encode(String(v))}`);
  params.push(`X-Amz-Signature=${encode(String(signature))}`);
  const url = `https://${hostname}/?${params.join("&")}`;
  return TOKEN_PREFIX + Buffer.from(url, "utf8").toString("base64url");
}
