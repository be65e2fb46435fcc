import { type Cluster, DescribeClusterCommand, type EKSClient } from "@aws-sdk/client-eks";
import { KubeConfig } from "@kubernetes/client-node";
import { type Clock, systemClock } from "../../ports/clock.ts";
import type { ClusterConnector, ClusterTarget } from "../../ports/clusters.ts";
import { PortError } from "../../ports/errors.ts";
import type { SecretStore } from "../../ports/secrets.ts";
import { connectKubeconfigTarget } from "../kubeconfig-from-secret.ts";
import { type AwsCredentials, eksToken } from "./eks-token.ts";
import { isTransientSdkError, sdkErrorShape } from "./sdk-errors.ts";

export interface EksClusterConnectorOptions {
  /** Describes clusters in `region`. */
  readonly eks: EKSClient;
  /** Signs the tokens; the function's role must be mapped in each cluster's access entries. */
  readonly credentials: AwsCredentials;
  readonly region: string;
  /** Where `kubeconfig` targets' secrets are read from. */
  readonly secrets: SecretStore;
  /** Handles "default" and "kubeconfig" targets instead of the shared kubeconfig rules. */
  readonly fallback?: ClusterConnector;
  /** The stack's own cluster: "default" means this EKS cluster (in `region`) when set. */
  readonly defaultClusterName?: string;
  /** A client for another region, for targets that name one; without it they are refused. */
  readonly eksForRegion?: (region: string) => EKSClient;
  readonly clock?: Clock;
}

const STARTING = new Set(["CREATING", "PENDING"]);

/**
 * Reaches EKS clusters by name with an IAM token, so no credential is stored for them. A fresh
 * token is signed on every connect (signing is local and cheap): STS honours it for 15 minutes, so
 * connect again for each reconcile rather than keeping a KubeConfig.
 */
export class EksClusterConnector implements ClusterConnector {
  readonly #options: EksClusterConnectorOptions;
  readonly #clock: Clock;

  constructor(options: EksClusterConnectorOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
  }

  async connect(target: ClusterTarget): Promise<KubeConfig> {
    const { defaultClusterName, fallback } = this.#options;
    if (target.type === "eks") return this.#connectEks(target.clusterName, target.region);
    if (target.type === "default" && defaultClusterName !== undefined)
      return this.#connectEks(defaultClusterName, undefined);
    if (fallback) return fallback.connect(target);
    // On Lambda there is no kubeconfig to fall back on: client-node would quietly aim at
    // localhost:8080 and fail with a misleading connection error.
    if (target.type === "default")
      throw new PortError(
        "Invalid",
        "this installation has no default cluster: give the Kustomization spec.kubeConfig (a kubeconfig secret, or a configMapRef naming an EKS cluster), or deploy the stack with its defaultCluster prop",
      );
    return connectKubeconfigTarget(target, this.#options);
  }

  async #connectEks(clusterName: string, targetRegion: string | undefined): Promise<KubeConfig> {
    const region = targetRegion ?? this.#options.region;
    const what = `EKS cluster ${clusterName} in ${region}`;
    const client = this.#client(region, what);

    let cluster: Cluster | undefined;
    try {
      cluster = (await client.send(new DescribeClusterCommand({ name: clusterName }))).cluster;
    } catch (error) {
      throw toPortError(error, what, "describing");
    }
    const server = cluster?.endpoint;
    const caData = cluster?.certificateAuthority?.data;
    if (!server || !caData) {
      const status = cluster?.status ?? "unknown";
      throw new PortError(
        STARTING.has(status) ? "Transient" : "Invalid",
        `${what} has no API endpoint or certificate authority (status ${status})`,
      );
    }

    let token: string;
    try {
      token = await eksToken({
        clusterName,
        credentials: this.#options.credentials,
        region,
        now: this.#clock.now(),
      });
    } catch (error) {
      throw error instanceof PortError ? error : toPortError(error, what, "signing a token for");
    }

    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: clusterName, server: server.replace(/\/$/, ""), caData, skipTLSVerify: false }],
      users: [{ name: "sluice", token }],
      contexts: [{ name: clusterName, cluster: clusterName, user: "sluice" }],
      currentContext: clusterName,
    });
    return kc;
  }

  #client(region: string, what: string): EKSClient {
    if (region === this.#options.region) return this.#options.eks;
    if (this.#options.eksForRegion) return this.#options.eksForRegion(region);
    throw new PortError(
      "Invalid",
      `${what} cannot be reached: this connector only knows ${this.#options.region}`,
    );
  }
}

/** The one place this adapter maps SDK, credential and network failures. */
function toPortError(error: unknown, what: string, doing: string): PortError {
  const name = sdkErrorShape(error).name ?? "unknown error";
  if (name === "ResourceNotFoundException" || name === "NotFoundException")
    return new PortError("NotFound", `${what} does not exist`, { cause: error });
  if (isTransientSdkError(error))
    return new PortError("Transient", `${doing} ${what} failed (${name}); retry later`, { cause: error });
  if (name === "AccessDeniedException")
    return new PortError("Invalid", `not allowed to describe ${what}: grant eks:DescribeCluster on it`, {
      cause: error,
    });
  if (name === "CredentialsProviderError")
    return new PortError("Invalid", `no AWS credentials for ${doing} ${what}`, { cause: error });
  return new PortError("Invalid", `${doing} ${what} failed (${name})`, { cause: error });
}
