import { usageError } from "./errors.ts";

/** How the CLI names one toolkit kind: its API version and the words a user may type for it. */
export interface KindInfo {
  readonly kind: string;
  readonly apiVersion: string;
  /** How `get` and `reconcile` take it, e.g. `source git`, `kustomization`. */
  readonly command: readonly string[];
  /** Other words for it, lower case (plural, Flux's short names). */
  readonly aliases: readonly string[];
  /** Whether an artifact revision belongs in its table. */
  readonly hasRevision: boolean;
  readonly isSource: boolean;
  /** A status field worth its own column in `get` (a Receiver's webhook path). */
  readonly statusColumn?: { readonly header: string; readonly field: string };
}

export const KINDS: readonly KindInfo[] = [
  {
    kind: "GitRepository",
    apiVersion: "source.toolkit.fluxcd.io/v1",
    command: ["source", "git"],
    aliases: ["git", "gitrepository", "gitrepositories", "gitrepo"],
    hasRevision: true,
    isSource: true,
  },
  {
    kind: "Bucket",
    apiVersion: "source.toolkit.fluxcd.io/v1",
    command: ["source", "bucket"],
    aliases: ["bucket", "buckets"],
    hasRevision: true,
    isSource: true,
  },
  {
    kind: "OCIRepository",
    apiVersion: "source.toolkit.fluxcd.io/v1",
    command: ["source", "oci"],
    aliases: ["oci", "ocirepository", "ocirepositories", "ocirepo"],
    hasRevision: true,
    isSource: true,
  },
  {
    kind: "HelmRepository",
    apiVersion: "source.toolkit.fluxcd.io/v1",
    command: ["source", "helm"],
    aliases: ["helm", "helmrepository", "helmrepositories", "helmrepo"],
    hasRevision: true,
    isSource: true,
  },
  {
    kind: "HelmChart",
    apiVersion: "source.toolkit.fluxcd.io/v1",
    command: ["source", "chart"],
    aliases: ["chart", "helmchart", "helmcharts"],
    hasRevision: true,
    isSource: true,
  },
  {
    kind: "Kustomization",
    apiVersion: "kustomize.toolkit.fluxcd.io/v1",
    command: ["kustomization"],
    aliases: ["ks", "kustomization", "kustomizations"],
    hasRevision: true,
    isSource: false,
  },
  {
    kind: "HelmRelease",
    apiVersion: "helm.toolkit.fluxcd.io/v2",
    command: ["helmrelease"],
    aliases: ["hr", "helmrelease", "helmreleases"],
    hasRevision: true,
    isSource: false,
  },
  {
    kind: "Receiver",
    apiVersion: "notification.toolkit.fluxcd.io/v1",
    command: ["receiver"],
    aliases: ["receiver", "receivers", "rcv"],
    hasRevision: false,
    isSource: false,
    // What to give the Git host: the webhook URL is the endpoint followed by this path.
    statusColumn: { header: "WEBHOOK PATH", field: "webhookPath" },
  },
  {
    kind: "Alert",
    apiVersion: "notification.toolkit.fluxcd.io/v1beta3",
    command: ["alert"],
    aliases: ["alert", "alerts"],
    hasRevision: false,
    isSource: false,
  },
  {
    kind: "Provider",
    apiVersion: "notification.toolkit.fluxcd.io/v1beta3",
    command: ["alert-provider"],
    aliases: ["provider", "providers", "alert-provider", "alert-providers"],
    hasRevision: false,
    isSource: false,
  },
];

export const SOURCE_KINDS = KINDS.filter((k) => k.isSource);

/** The kind a user means by `text` (a kind name in any case, a plural or a short name). */
export function findKind(text: string): KindInfo | undefined {
  const lower = text.toLowerCase();
  return KINDS.find((k) => k.kind.toLowerCase() === lower || k.aliases.includes(lower));
}

export function kindInfo(text: string): KindInfo {
  const found = findKind(text);
  if (!found)
    throw usageError(
      `unknown kind '${text}'`,
      `use one of: ${KINDS.map((k) => k.command.join(" ")).join(", ")}`,
    );
  return found;
}

/**
 * `Kind/name` or `Kind/namespace/name` (Flux's `--for`, `--source` and `--resource` forms), with the
 * namespace defaulting to `namespace`.
 */
export function parseObjectRef(
  text: string,
  namespace: string,
  defaultKind?: string,
): { kind: string; namespace: string; name: string } {
  const parts = text.split("/");
  if (parts.some((p) => p === "") || parts.length > 3 || (parts.length === 1 && !defaultKind))
    throw usageError(
      `'${text}' is not Kind/name or Kind/namespace/name`,
      "for example Kustomization/apps or GitRepository/flux-system/podinfo",
    );
  if (parts.length === 1)
    return { kind: kindInfo(defaultKind as string).kind, namespace, name: parts[0] as string };
  const kind = kindInfo(parts[0] as string).kind;
  if (parts.length === 2) return { kind, namespace, name: parts[1] as string };
  return { kind, namespace: parts[1] as string, name: parts[2] as string };
}
