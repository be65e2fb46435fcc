import { CoreV1Api, type KubeConfig } from "@kubernetes/client-node";
import type { VariableLookup } from "../render/post-build.ts";

function notFound(error: unknown): boolean {
  return (error as { code?: number }).code === 404;
}

/**
 * postBuild.substituteFrom reads ConfigMaps and Secrets from the Kustomization's namespace in
 * the target cluster, where Flux users keep them next to what they configure.
 */
export function clusterVariables(cluster: () => Promise<KubeConfig>, namespace: string): VariableLookup {
  return async ({ kind, name }) => {
    const core = (await cluster()).makeApiClient(CoreV1Api);
    try {
      if (kind === "ConfigMap") return (await core.readNamespacedConfigMap({ name, namespace })).data ?? {};
      const secret = await core.readNamespacedSecret({ name, namespace });
      return Object.fromEntries(
        Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")]),
      );
    } catch (error) {
      if (notFound(error)) return undefined;
      throw error;
    }
  };
}
