import { parseDuration } from "../api/duration.ts";
import { usageError } from "./errors.ts";
import { findKind, kindInfo, parseObjectRef } from "./kinds.ts";

/** A toolkit object as `create` builds it from flags: what `--export` prints and PUT registers. */
export interface NewObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace: string;
    readonly labels?: Readonly<Record<string, string>>;
  };
  readonly spec: Record<string, unknown>;
}

export interface Common {
  readonly name: string;
  readonly namespace: string;
  /** `key=value` pairs. */
  readonly labels?: readonly string[];
}

const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

function labelsOf(pairs: readonly string[] | undefined): Record<string, string> | undefined {
  if (!pairs || pairs.length === 0) return undefined;
  const labels: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf("=");
    if (at <= 0) throw usageError(`--label must be key=value, got '${pair}'`);
    labels[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return labels;
}

function object(kind: string, common: Common, spec: Record<string, unknown>): NewObject {
  if (!NAME.test(common.name))
    throw usageError(`'${common.name}' is not a valid name: use lower-case letters, digits, '-' and '.'`);
  const info = kindInfo(kind);
  const labels = labelsOf(common.labels);
  return {
    apiVersion: info.apiVersion,
    kind: info.kind,
    metadata: { name: common.name, namespace: common.namespace, ...(labels ? { labels } : {}) },
    spec,
  };
}

function interval(value: string | undefined, flag: string, fallback: string): string {
  const text = value ?? fallback;
  try {
    parseDuration(text, flag);
  } catch {
    throw usageError(`${flag} must be a duration such as 30s, 5m or 1h, got '${text}'`);
  }
  return text;
}

function requireFlag(value: string | undefined, flag: string): string {
  if (!value) throw usageError(`${flag} is required`);
  return value;
}

function url(value: string | undefined, flag: string, schemes: readonly string[]): string {
  const text = requireFlag(value, flag);
  let scheme: string;
  try {
    scheme = new URL(text).protocol.replace(/:$/, "");
  } catch {
    throw usageError(`${flag} must be a URL, got '${text}'`);
  }
  if (!schemes.includes(scheme))
    throw usageError(`${flag} must be a ${schemes.join(" or ")} URL, got '${text}'`);
  return text;
}

/** At most one of several flags; the first one given. */
function oneOf<T extends string>(values: Partial<Record<T, string | undefined>>): [T, string] | undefined {
  const given = Object.entries(values).filter(([, v]) => v !== undefined && v !== "") as [T, string][];
  if (given.length > 1) throw usageError(`use only one of ${given.map(([k]) => `--${k}`).join(", ")}`);
  return given[0];
}

const ignore = (paths: string | undefined) =>
  paths
    ? {
        ignore: paths
          .split(",")
          .map((p) => p.trim())
          .filter(Boolean)
          .join("\n"),
      }
    : {};
const secret = (name: string | undefined) => (name ? { secretRef: { name } } : {});

export interface GitSourceFlags extends Common {
  readonly url?: string;
  readonly branch?: string;
  readonly tag?: string;
  readonly tagSemver?: string;
  readonly commit?: string;
  readonly refName?: string;
  readonly interval?: string;
  readonly secretRef?: string;
  readonly ignorePaths?: string;
}

export function gitRepository(flags: GitSourceFlags): NewObject {
  const ref = oneOf({
    branch: flags.branch,
    tag: flags.tag,
    "tag-semver": flags.tagSemver,
    commit: flags.commit,
    "ref-name": flags.refName,
  });
  const refKey = {
    branch: "branch",
    tag: "tag",
    "tag-semver": "semver",
    commit: "commit",
    "ref-name": "name",
  } as const;
  return object("GitRepository", flags, {
    interval: interval(flags.interval, "--interval", "1m"),
    url: url(flags.url, "--url", ["https", "http"]),
    // Flux's default branch, written out so the committed manifest says what it does.
    ref: ref ? { [refKey[ref[0]]]: ref[1] } : { branch: "master" },
    ...secret(flags.secretRef),
    ...ignore(flags.ignorePaths),
  });
}

export interface BucketSourceFlags extends Common {
  readonly bucketName?: string;
  readonly endpoint?: string;
  readonly provider?: string;
  readonly region?: string;
  readonly prefix?: string;
  readonly insecure?: boolean;
  readonly interval?: string;
  readonly secretRef?: string;
  readonly ignorePaths?: string;
}

export function bucket(flags: BucketSourceFlags): NewObject {
  const provider = flags.provider ?? "generic";
  if (!["generic", "aws"].includes(provider))
    throw usageError(`--provider must be generic or aws, got '${provider}'`);
  if (provider === "generic" && !flags.endpoint)
    throw usageError("--endpoint is required with --provider generic");
  return object("Bucket", flags, {
    interval: interval(flags.interval, "--interval", "1m"),
    provider,
    bucketName: requireFlag(flags.bucketName, "--bucket-name"),
    ...(flags.endpoint ? { endpoint: flags.endpoint } : {}),
    ...(flags.region ? { region: flags.region } : {}),
    ...(flags.prefix ? { prefix: flags.prefix } : {}),
    ...(flags.insecure ? { insecure: true } : {}),
    ...secret(flags.secretRef),
    ...ignore(flags.ignorePaths),
  });
}

export interface OciSourceFlags extends Common {
  readonly url?: string;
  readonly tag?: string;
  readonly tagSemver?: string;
  readonly digest?: string;
  readonly provider?: string;
  readonly insecure?: boolean;
  readonly interval?: string;
  readonly secretRef?: string;
  readonly ignorePaths?: string;
}

export function ociRepository(flags: OciSourceFlags): NewObject {
  const ref = oneOf({ tag: flags.tag, "tag-semver": flags.tagSemver, digest: flags.digest });
  if (!ref) throw usageError("one of --tag, --tag-semver or --digest is required");
  const provider = flags.provider ?? "generic";
  if (!["generic", "aws"].includes(provider))
    throw usageError(`--provider must be generic or aws, got '${provider}'`);
  const refKey = { tag: "tag", "tag-semver": "semver", digest: "digest" } as const;
  return object("OCIRepository", flags, {
    interval: interval(flags.interval, "--interval", "1m"),
    url: url(flags.url, "--url", ["oci"]),
    ref: { [refKey[ref[0]]]: ref[1] },
    ...(provider !== "generic" ? { provider } : {}),
    ...(flags.insecure ? { insecure: true } : {}),
    ...secret(flags.secretRef),
    ...ignore(flags.ignorePaths),
  });
}

export interface HelmSourceFlags extends Common {
  readonly url?: string;
  readonly passCredentials?: boolean;
  readonly interval?: string;
  readonly secretRef?: string;
}

export function helmRepository(flags: HelmSourceFlags): NewObject {
  const address = url(flags.url, "--url", ["https", "http", "oci"]);
  return object("HelmRepository", flags, {
    interval: interval(flags.interval, "--interval", "1m"),
    url: address,
    ...(address.startsWith("oci://") ? { type: "oci" } : {}),
    ...(flags.passCredentials ? { passCredentials: true } : {}),
    ...secret(flags.secretRef),
  });
}

export interface KustomizationFlags extends Common {
  readonly source?: string;
  readonly path?: string;
  readonly prune?: boolean;
  readonly interval?: string;
  readonly retryInterval?: string;
  readonly targetNamespace?: string;
  readonly dependsOn?: readonly string[];
  readonly wait?: boolean;
  readonly force?: boolean;
  readonly healthCheck?: readonly string[];
  readonly serviceAccount?: string;
  readonly kubeconfigSecretRef?: string;
}

/** Kinds `--health-check Kind/name.namespace` knows the API version of, as Flux's flag does. */
const HEALTH_KINDS: Readonly<Record<string, string>> = {
  Deployment: "apps/v1",
  StatefulSet: "apps/v1",
  DaemonSet: "apps/v1",
  ReplicaSet: "apps/v1",
  Job: "batch/v1",
  CronJob: "batch/v1",
  Service: "v1",
  Pod: "v1",
  ConfigMap: "v1",
  Secret: "v1",
  PersistentVolumeClaim: "v1",
  Namespace: "v1",
  HelmRelease: "helm.toolkit.fluxcd.io/v2",
  Kustomization: "kustomize.toolkit.fluxcd.io/v1",
};

function healthCheck(text: string): Record<string, string> {
  const match = /^([A-Za-z]+)\/([a-z0-9][-a-z0-9.]*?)(?:\.([a-z0-9][-a-z0-9]*))?$/.exec(text);
  const kind =
    match?.[1] && Object.keys(HEALTH_KINDS).find((k) => k.toLowerCase() === match[1]?.toLowerCase());
  if (!match || !kind)
    throw usageError(
      `--health-check must be Kind/name.namespace with a known kind, got '${text}'`,
      `kinds: ${Object.keys(HEALTH_KINDS).join(", ")}`,
    );
  return {
    apiVersion: HEALTH_KINDS[kind] as string,
    kind,
    name: match[2] as string,
    ...(match[3] ? { namespace: match[3] } : {}),
  };
}

export function kustomization(flags: KustomizationFlags): NewObject {
  const source = parseObjectRef(requireFlag(flags.source, "--source"), flags.namespace, "GitRepository");
  const sourceKind = findKind(source.kind);
  if (!sourceKind || !["GitRepository", "OCIRepository", "Bucket"].includes(sourceKind.kind))
    throw usageError(`--source must name a GitRepository, OCIRepository or Bucket, got '${flags.source}'`);
  const path = flags.path ?? "./";
  if (path.split("/").includes("..")) throw usageError(`--path must stay inside the source, got '${path}'`);
  return object("Kustomization", flags, {
    interval: interval(flags.interval, "--interval", "1m"),
    ...(flags.retryInterval ? { retryInterval: interval(flags.retryInterval, "--retry-interval", "") } : {}),
    sourceRef: {
      kind: sourceKind.kind,
      name: source.name,
      ...(source.namespace !== flags.namespace ? { namespace: source.namespace } : {}),
    },
    path,
    prune: flags.prune === true,
    ...(flags.targetNamespace ? { targetNamespace: flags.targetNamespace } : {}),
    ...(flags.dependsOn?.length
      ? {
          dependsOn: flags.dependsOn.map((d) => {
            const [a, b] = d.split("/");
            return b ? { name: b, namespace: a } : { name: a };
          }),
        }
      : {}),
    ...(flags.wait ? { wait: true } : {}),
    ...(flags.force ? { force: true } : {}),
    ...(flags.healthCheck?.length ? { healthChecks: flags.healthCheck.map(healthCheck) } : {}),
    ...(flags.serviceAccount ? { serviceAccountName: flags.serviceAccount } : {}),
    ...(flags.kubeconfigSecretRef ? { kubeConfig: { secretRef: { name: flags.kubeconfigSecretRef } } } : {}),
  });
}

const RECEIVER_TYPES = [
  "github",
  "gitlab",
  "bitbucket",
  "generic",
  "generic-hmac",
  "harbor",
  "dockerhub",
  "quay",
  "cdevents",
];

export interface ReceiverFlags extends Common {
  readonly type?: string;
  readonly event?: readonly string[];
  readonly resource?: readonly string[];
  readonly secretRef?: string;
}

function resources(refs: readonly string[], namespace: string, flag: string) {
  if (refs.length === 0) throw usageError(`${flag} is required (Kind/name, e.g. GitRepository/podinfo)`);
  return refs.map((text) => {
    const ref = parseObjectRef(text, namespace);
    return {
      kind: ref.kind,
      name: ref.name,
      ...(ref.namespace !== namespace ? { namespace: ref.namespace } : {}),
    };
  });
}

export function receiver(flags: ReceiverFlags): NewObject {
  const type = requireFlag(flags.type, "--type");
  if (!RECEIVER_TYPES.includes(type))
    throw usageError(`--type must be one of ${RECEIVER_TYPES.join(", ")}, got '${type}'`);
  return object("Receiver", flags, {
    type,
    ...(flags.event?.length ? { events: [...flags.event] } : {}),
    resources: resources(flags.resource ?? [], flags.namespace, "--resource"),
    secretRef: { name: requireFlag(flags.secretRef, "--secret-ref") },
  });
}

export interface ProviderFlags extends Common {
  readonly type?: string;
  readonly channel?: string;
  readonly username?: string;
  readonly address?: string;
  readonly secretRef?: string;
}

export function alertProvider(flags: ProviderFlags): NewObject {
  return object("Provider", flags, {
    type: requireFlag(flags.type, "--type"),
    ...(flags.channel ? { channel: flags.channel } : {}),
    ...(flags.username ? { username: flags.username } : {}),
    ...(flags.address ? { address: flags.address } : {}),
    ...secret(flags.secretRef),
  });
}

export interface AlertFlags extends Common {
  readonly providerRef?: string;
  readonly eventSeverity?: string;
  readonly eventSource?: readonly string[];
}

export function alert(flags: AlertFlags): NewObject {
  const severity = flags.eventSeverity ?? "info";
  if (!["info", "error"].includes(severity))
    throw usageError(`--event-severity must be info or error, got '${severity}'`);
  return object("Alert", flags, {
    providerRef: { name: requireFlag(flags.providerRef, "--provider-ref") },
    eventSeverity: severity,
    eventSources: resources(flags.eventSource ?? [], flags.namespace, "--event-source"),
  });
}
