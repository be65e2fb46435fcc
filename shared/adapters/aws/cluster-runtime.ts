import { EKSClient } from "@aws-sdk/client-eks";
import { fromNodeProviderChain } from "@aws-sdk/credential-providers";
import type { ClusterConnector, SecretStore } from "../../ports/index.ts";
import { EksClusterConnector } from "./eks-cluster-connector.ts";

/** The EKS cluster a Kustomization without spec.kubeConfig targets; optional, so not in AWS_RUNTIME_ENV. */
export const DEFAULT_CLUSTER_ENV = "SLUICE_DEFAULT_CLUSTER";

/**
 * How the worker reaches clusters on AWS: EKS by IAM token signed with the function's own role,
 * others by kubeconfig secrets. Kept apart from awsAdapters so only the worker bundles the
 * Kubernetes client; the scheduler and the API never talk to a cluster.
 */
export function awsClusterConnector(
  secrets: SecretStore,
  env: NodeJS.ProcessEnv = process.env,
): ClusterConnector {
  const defaultClusterName = env[DEFAULT_CLUSTER_ENV];
  return new EksClusterConnector({
    eks: new EKSClient({ maxAttempts: 5 }),
    credentials: fromNodeProviderChain(),
    region: env.AWS_REGION ?? "us-east-1",
    secrets,
    ...(defaultClusterName ? { defaultClusterName } : {}),
  });
}
