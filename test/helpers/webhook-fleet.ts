/** The Receiver and its token secret, as the fleet repository names them. */
export const FLEET_RECEIVER = {
  namespace: "flux-system",
  name: "github",
  tokenSecret: "webhook-token",
} as const;

export interface WebhookFleetOptions {
  /** A fresh namespace for the app's ConfigMap; the repository creates it. */
  readonly namespace: string;
  /** The value of the ConfigMap `settings` under key `color`. */
  readonly color: string;
  /**
   * A kubeconfig secret the `apps` Kustomization targets (spec.kubeConfig.secretRef), for
   * runtimes whose default cluster is not the test cluster; absent, it targets the default.
   */
  readonly kubeConfigSecret?: string;
}

/**
 * A Flux repository wired for webhooks: `clusters/dev` holds only toolkit objects (a GitHub
 * Receiver that wakes the root GitRepository, and a Kustomization `apps`), `apps/` the app.
 * Synced from the root at `./clusters/dev`.
 */
export function webhookFleet(options: WebhookFleetOptions): Record<string, string> {
  const kubeConfig = options.kubeConfigSecret
    ? `  kubeConfig:\n    secretRef:\n      name: ${options.kubeConfigSecret}\n`
    : "";
  return {
    "clusters/dev/receiver.yaml": [
      "apiVersion: notification.toolkit.fluxcd.io/v1",
      "kind: Receiver",
      "metadata:",
      `  name: ${FLEET_RECEIVER.name}`,
      `  namespace: ${FLEET_RECEIVER.namespace}`,
      "spec:",
      "  type: github",
      "  events:",
      "    - push",
      "  secretRef:",
      `    name: ${FLEET_RECEIVER.tokenSecret}`,
      "  resources:",
      "    - apiVersion: source.toolkit.fluxcd.io/v1",
      "      kind: GitRepository",
      "      name: flux-system",
      "",
    ].join("\n"),
    "clusters/dev/apps.yaml":
      [
        "apiVersion: kustomize.toolkit.fluxcd.io/v1",
        "kind: Kustomization",
        "metadata:",
        "  name: apps",
        "  namespace: flux-system",
        "spec:",
        "  interval: 1h",
        "  path: ./apps",
        "  prune: true",
        "  sourceRef:",
        "    kind: GitRepository",
        "    name: flux-system",
        "",
      ].join("\n") + kubeConfig,
    "apps/namespace.yaml": `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${options.namespace}\n`,
    ...fleetSettings(options.namespace, options.color),
  };
}

/** The one file a later commit changes: the ConfigMap's color. */
export function fleetSettings(namespace: string, color: string): Record<string, string> {
  return {
    "apps/settings.yaml": `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: ${namespace}\ndata:\n  color: ${color}\n`,
  };
}
