import type { KubeConfig } from "@kubernetes/client-node";
import type { AgentPool } from "../apply/agent-pool.ts";
import { ClusterClient } from "../apply/cluster-client.ts";
import type { ClusterConnector, SecretStore } from "../ports/index.ts";
import { connectTarget, type KustomizationTarget } from "./cluster-target.ts";

export interface TargetSessionOptions {
  readonly target: KustomizationTarget;
  /** `system:serviceaccount:…` to impersonate for every call, when set. */
  readonly impersonate: string | undefined;
  readonly deps: {
    readonly clusters: ClusterConnector;
    readonly secrets: SecretStore;
    readonly agents?: AgentPool;
  };
}

/**
 * A run's connection to its target cluster, made on first use: a Kustomization that only
 * registers toolkit objects (a root over `clusters/<name>/`, say) never needs a cluster, and
 * so works on an installation that has no default cluster.
 */
export class TargetSession {
  readonly #options: TargetSessionOptions;
  #kubeConfig: Promise<KubeConfig> | undefined;
  #client: Promise<ClusterClient> | undefined;

  constructor(options: TargetSessionOptions) {
    this.#options = options;
  }

  kubeConfig(): Promise<KubeConfig> {
    this.#kubeConfig ??= connectTarget(this.#options.target, this.#options.deps);
    return this.#kubeConfig;
  }

  client(): Promise<ClusterClient> {
    const { impersonate } = this.#options;
    this.#client ??= this.kubeConfig().then(
      (kc) => new ClusterClient(kc, impersonate ? { impersonate } : {}),
    );
    return this.#client;
  }

  /** Releases the client's connections, if one was made. */
  async close(): Promise<void> {
    const client = await this.#client?.catch(() => undefined);
    client?.close();
  }
}
