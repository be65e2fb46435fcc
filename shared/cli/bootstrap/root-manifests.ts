import { posix } from "node:path";
import { stringify } from "yaml";
import { ROOT_NAME, ROOT_NAMESPACE, type RootSourceConfig, rootObjects } from "../../control/root-config.ts";

/** The folder `flux bootstrap` writes its sync objects to, under the cluster's path. */
export const SYNC_DIR = "flux-system";

/** `clusters/prod` from `./clusters/prod/`; "" for the repository's root. */
export function repoPath(path: string | undefined): string {
  const normalized = posix.normalize((path ?? ".").trim() || ".").replace(/^\.\/?|\/$/g, "");
  if (normalized.startsWith("..") || normalized.startsWith("/"))
    throw new Error(`--path must stay inside the repository, got ${JSON.stringify(path)}`);
  return normalized === "." ? "" : normalized;
}

/**
 * What bootstrap commits: `<path>/flux-system/gotk-sync.yaml` with the root GitRepository and
 * Kustomization in the shape `flux bootstrap` writes them, plus the kustomization.yaml listing
 * it. sluice itself takes the root from its deployment's parameters (Git's copy is left alone),
 * so these files keep the repository readable, and usable by Flux, as the description of the
 * same root.
 */
export function rootManifestFiles(config: RootSourceConfig): Record<string, string> {
  const dir = posix.join(repoPath(config.path), SYNC_DIR);
  const documents = rootObjects(config).map((input) => ({
    apiVersion: input.apiVersion,
    kind: input.key.kind,
    metadata: { name: ROOT_NAME, namespace: ROOT_NAMESPACE },
    spec: input.spec,
  }));
  const sync = documents.map((doc) => stringify(doc, { lineWidth: 0 })).join("---\n");
  return {
    [posix.join(dir, "gotk-sync.yaml")]: `# Written by sluice bootstrap: this installation's root.\n${sync}`,
    [posix.join(dir, "kustomization.yaml")]: stringify({
      apiVersion: "kustomize.config.k8s.io/v1beta1",
      kind: "Kustomization",
      resources: ["gotk-sync.yaml"],
    }),
  };
}
