import type { PutObjectInput, StateStore, StoredObject } from "../ports/index.ts";
import { sameDesiredState } from "./manifest.ts";

/**
 * Marks the objects a deployment's own parameters define (the root source and Kustomization):
 * Git may not change or delete them, since that would cut sluice off from its configuration.
 */
export const ROOT_ANNOTATION = "sluice.dev/root";

export function isRootObject(object: Pick<StoredObject, "metadata">): boolean {
  return object.metadata.annotations?.[ROOT_ANNOTATION] === "true";
}

/** Where a deployment keeps its configuration: the stack's Root* parameters, or `npm start` options. */
export interface RootSourceConfig {
  /** HTTPS URL of the Git repository. */
  readonly url: string;
  /** @default "main" */
  readonly branch?: string;
  /** Folder in the repository with the cluster's configuration. @default "./" */
  readonly path?: string;
  /** Secret (in the root namespace) with the repository's credentials, as a GitRepository's secretRef. */
  readonly secretName?: string;
}

/** Flux bootstrap's names, so a repository's `gotk-sync.yaml` describes these very objects. */
export const ROOT_NAMESPACE = "flux-system";
export const ROOT_NAME = "flux-system";

const rootMetadata = { annotations: { [ROOT_ANNOTATION]: "true" } };

/** The root GitRepository and the Kustomization that syncs its path, with prune on. */
export function rootObjects(config: RootSourceConfig): PutObjectInput[] {
  const key = (kind: string) => ({ kind, namespace: ROOT_NAMESPACE, name: ROOT_NAME });
  return [
    {
      key: key("GitRepository"),
      apiVersion: "source.toolkit.fluxcd.io/v1",
      metadata: rootMetadata,
      spec: {
        interval: "1m",
        url: config.url,
        ref: { branch: config.branch || "main" },
        ...(config.secretName ? { secretRef: { name: config.secretName } } : {}),
      },
    },
    {
      key: key("Kustomization"),
      apiVersion: "kustomize.toolkit.fluxcd.io/v1",
      metadata: rootMetadata,
      spec: {
        interval: "10m",
        path: config.path || "./",
        prune: true,
        sourceRef: { kind: "GitRepository", name: ROOT_NAME },
      },
    },
  ];
}

/**
 * Registers the root objects, or brings them back in line with the deployment's parameters.
 * Writes only what differs, so calling it on every scheduler tick costs two reads.
 */
export async function ensureRootObjects(
  state: StateStore,
  config: RootSourceConfig,
): Promise<PutObjectInput[]> {
  const written: PutObjectInput[] = [];
  for (const wanted of rootObjects(config)) {
    const stored = await state.getObject(wanted.key);
    // `sluice suspend` on the root is an operator's choice, not drift from the parameters.
    const input =
      stored?.spec.suspend === true ? { ...wanted, spec: { ...wanted.spec, suspend: true } } : wanted;
    if (stored && sameDesiredState(stored, input)) continue;
    await state.putObject(input);
    written.push(input);
  }
  return written;
}

/** The root's settings as environment variables: the stack sets them from its Root* parameters. */
export const ROOT_ENV = {
  url: "SLUICE_ROOT_URL",
  branch: "SLUICE_ROOT_BRANCH",
  path: "SLUICE_ROOT_PATH",
  secretName: "SLUICE_ROOT_SECRET",
} as const satisfies Record<keyof RootSourceConfig, string>;

/** The configured root, or undefined when no URL is set (objects then come only through the API). */
export function rootConfigFromEnv(
  env: Readonly<Record<string, string | undefined>>,
): RootSourceConfig | undefined {
  const url = env[ROOT_ENV.url];
  if (!url) return undefined;
  const optional = (name: keyof RootSourceConfig) => {
    const value = env[ROOT_ENV[name]];
    return value ? { [name]: value } : {};
  };
  return { url, ...optional("branch"), ...optional("path"), ...optional("secretName") };
}
