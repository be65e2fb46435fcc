import type { KubeConfig } from "@kubernetes/client-node";
import type { ClusterConnector, ClusterTarget } from "../../ports/clusters.ts";
import { PortError } from "../../ports/errors.ts";
import type { SecretStore } from "../../ports/secrets.ts";
import { connectKubeconfigTarget } from "../kubeconfig-from-secret.ts";

export interface KubeconfigClusterConnectorOptions {
  /** Where `kubeconfig` targets' secrets are read from. */
  readonly secrets: SecretStore;
  /** A kubeconfig file for the "default" target; else KUBECONFIG or ~/.kube/config. */
  readonly defaultKubeconfig?: string;
  /** Handles `eks` targets (the AWS adapter's EksClusterConnector); without it they are refused. */
  readonly eks?: ClusterConnector;
}

/** Clusters reached with kubeconfigs: the local runtime's connector. */
export class KubeconfigClusterConnector implements ClusterConnector {
  readonly #options: KubeconfigClusterConnectorOptions;

  constructor(options: KubeconfigClusterConnectorOptions) {
    this.#options = options;
  }

  async connect(target: ClusterTarget): Promise<KubeConfig> {
    if (target.type !== "eks") return connectKubeconfigTarget(target, this.#options);
    if (this.#options.eks) return this.#options.eks.connect(target);
    throw new PortError(
      "Invalid",
      `EKS cluster ${target.clusterName} cannot be reached: EKS targets need the AWS adapters ` +
        "(EksClusterConnector); use a kubeconfig secret to reach it from here",
    );
  }
}
