import type { KubeConfig } from "@kubernetes/client-node";
import type { SecretRef } from "./secrets.ts";

/** Which cluster an applier talks to. */
export type ClusterTarget =
  /** The installation's own cluster: KUBECONFIG locally, the stack's configured cluster on AWS. */
  | { readonly type: "default" }
  /** Flux's `spec.kubeConfig.secretRef`: a kubeconfig stored in a secret under `key`. */
  | { readonly type: "kubeconfig"; readonly secretRef: SecretRef; readonly key: string }
  /** An EKS cluster reached with an IAM token, no stored credentials. */
  | { readonly type: "eks"; readonly clusterName: string; readonly region?: string };

export interface ClusterConnector {
  /** A ready KubeConfig for the target; throws a PortError naming what is missing. */
  connect(target: ClusterTarget): Promise<KubeConfig>;
}
