import type { KubeConfig } from "@kubernetes/client-node";
import type { ClusterConnector, ClusterTarget, SecretRef, SecretStore } from "../ports/index.ts";
import { ReconcileError } from "../reconcile/reconciler.ts";

/**
 * Where a Kustomization applies: a cluster target, or Flux's `spec.kubeConfig.configMapRef`,
 * whose ConfigMap names a cloud cluster to reach with the runtime's own identity. sluice keeps
 * no ConfigMaps of its own, so the map is read from the secret store under the same name.
 */
export type KustomizationTarget = ClusterTarget | { readonly type: "configMap"; readonly ref: SecretRef };

/** `arn:<partition>:eks:<region>:<account>:cluster/<name>`, as Flux's `cluster` key holds it. */
const EKS_ARN = /^arn:[\w-]+:eks:([\w-]+):\d{12}:cluster\/([\w-]+)$/;

function invalid(ref: SecretRef, message: string): ReconcileError {
  return new ReconcileError(
    "InvalidKubeConfig",
    `kubeConfig configMap '${ref.namespace}/${ref.name}': ${message}`,
    {
      stalled: true,
    },
  );
}

/** Turns Flux's workload-identity form into an EKS target; only AWS clusters can be reached so. */
export async function resolveTarget(
  target: KustomizationTarget,
  secrets: SecretStore,
): Promise<ClusterTarget> {
  if (target.type !== "configMap") return target;
  const { ref } = target;
  const data = await secrets.get(ref);
  if (!data)
    throw new ReconcileError(
      "KubeConfigNotFound",
      `kubeConfig configMap '${ref.namespace}/${ref.name}' not found in the secret store`,
    );
  if (data.provider !== "aws")
    throw invalid(
      ref,
      `provider '${data.provider ?? ""}' is not supported; sluice reaches EKS clusters (provider: aws)`,
    );
  if (data.address !== undefined || data["ca.crt"] !== undefined)
    throw invalid(
      ref,
      "address and ca.crt are not supported; the endpoint and CA come from EKS DescribeCluster",
    );
  const match = EKS_ARN.exec(data.cluster ?? "");
  if (!match)
    throw invalid(
      ref,
      "cluster must be the EKS cluster's ARN (arn:aws:eks:<region>:<account>:cluster/<name>)",
    );
  return { type: "eks", region: match[1] as string, clusterName: match[2] as string };
}

/** Connects to whatever the spec names. */
export async function connectTarget(
  target: KustomizationTarget,
  deps: { readonly clusters: ClusterConnector; readonly secrets: SecretStore },
): Promise<KubeConfig> {
  return deps.clusters.connect(await resolveTarget(target, deps.secrets));
}
