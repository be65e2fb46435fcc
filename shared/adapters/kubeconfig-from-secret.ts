import { type Cluster, type Context, KubeConfig, type User } from "@kubernetes/client-node";
import { parseDocument } from "yaml";
import type { ClusterTarget } from "../ports/clusters.ts";
import { PortError } from "../ports/errors.ts";
import type { SecretStore } from "../ports/secrets.ts";

/** Flux's default keys, tried in this order when the key is left at its default. */
const DEFAULT_KEYS = ["value", "value.yaml"] as const;

export interface KubeconfigTargetOptions {
  readonly secrets: SecretStore;
  /** A kubeconfig file for the "default" target; else KUBECONFIG or ~/.kube/config. */
  readonly defaultKubeconfig?: string;
}

/**
 * The rules every connector shares for targets that are not EKS: "default" loads the installation's
 * own kubeconfig, "kubeconfig" reads one from a secret the way Flux's `spec.kubeConfig.secretRef` does.
 */
export async function connectKubeconfigTarget(
  target: Exclude<ClusterTarget, { type: "eks" }>,
  options: KubeconfigTargetOptions,
): Promise<KubeConfig> {
  return target.type === "default"
    ? defaultKubeconfig(options.defaultKubeconfig)
    : kubeconfigFromSecret(options.secrets, target);
}

/**
 * The operator's own kubeconfig: trusted as is (exec plugins and file paths included), as kubectl
 * would. js-yaml quotes the text it fails on, and a kubeconfig holds credentials: no cause is kept.
 */
export function defaultKubeconfig(path?: string): KubeConfig {
  const where = path ?? process.env.KUBECONFIG ?? "~/.kube/config";
  const kc = new KubeConfig();
  try {
    if (path === undefined) kc.loadFromDefault();
    else kc.loadFromFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT")
      throw new PortError("NotFound", `kubeconfig file ${where} does not exist`, { cause: error });
    if (code !== undefined)
      throw new PortError("Invalid", `cannot read kubeconfig file ${where} (${code})`, { cause: error });
    throw new PortError("Invalid", `kubeconfig file ${where} is not a valid kubeconfig`);
  }
  if (!kc.getCurrentCluster())
    throw new PortError("Invalid", `kubeconfig file ${where} has no current context with a cluster`);
  return kc;
}

/**
 * Flux's `spec.kubeConfig.secretRef`. A key left at Flux's default (`value`, or empty) falls back
 * to `value.yaml`, as Flux does; any other key must exist. The kubeconfig must be self-contained and
 * is sanitised like Flux's controllers do without their --insecure-kubeconfig-* flags: file
 * references are refused (they would read the machine running sluice), exec and auth-provider
 * plugins are refused (they would run commands named by whoever can write the secret), and
 * insecure-skip-tls-verify is ignored. Only the current context is kept.
 */
export async function kubeconfigFromSecret(
  secrets: SecretStore,
  target: Extract<ClusterTarget, { type: "kubeconfig" }>,
): Promise<KubeConfig> {
  const { namespace, name } = target.secretRef;
  const secret = `kubeconfig secret ${namespace}/${name}`;
  const data = await secrets.get(target.secretRef);
  if (data === undefined) throw new PortError("NotFound", `${secret} not found`);

  const keys: readonly string[] = target.key === "" || target.key === "value" ? DEFAULT_KEYS : [target.key];
  const key = keys.find((k) => data[k] !== undefined);
  const text = key === undefined ? undefined : data[key];
  if (key === undefined || text === undefined)
    throw new PortError("NotFound", `${secret} has no key ${keys.map((k) => `"${k}"`).join(" or ")}`);
  return sanitisedKubeconfig(text, `${secret} (key "${key}")`);
}

type Entry = Record<string, unknown>;

function isEntry(value: unknown): value is Entry {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function named(doc: Entry, list: string, field: string, name: unknown): Entry | undefined {
  const entries = doc[list];
  if (!Array.isArray(entries)) return undefined;
  const found: unknown = entries.find((e: unknown) => isEntry(e) && e.name === name);
  return isEntry(found) && isEntry(found[field]) ? found[field] : undefined;
}

function optionalString(entry: Entry, field: string, where: string): string | undefined {
  const value = entry[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw new PortError("Invalid", `${where}: "${field}" is not a string`);
  return value;
}

/** Errors name entries and fields, never values: every value here may be a credential. */
function sanitisedKubeconfig(text: string, where: string): KubeConfig {
  const parsed = parseDocument(text);
  const first = parsed.errors[0];
  if (first) {
    const line = first.linePos?.[0].line;
    throw new PortError("Invalid", `${where} is not valid YAML${line ? ` (line ${line})` : ""}`);
  }
  const doc: unknown = parsed.toJS();
  if (!isEntry(doc) || (doc.kind !== undefined && doc.kind !== "Config"))
    throw new PortError("Invalid", `${where} is not a kubeconfig (kind: Config)`);

  const contextName = doc["current-context"];
  if (typeof contextName !== "string" || contextName === "")
    throw new PortError("Invalid", `${where} has no current-context`);
  const context = named(doc, "contexts", "context", contextName);
  if (!context) throw new PortError("Invalid", `${where}: context "${contextName}" is not defined`);
  const cluster = named(doc, "clusters", "cluster", context.cluster);
  if (!cluster)
    throw new PortError("Invalid", `${where}: cluster "${String(context.cluster)}" is not defined`);
  const clusterName = String(context.cluster);
  const user = named(doc, "users", "user", context.user) ?? {};

  const server = optionalString(cluster, "server", where);
  if (!server) throw new PortError("Invalid", `${where}: cluster "${clusterName}" has no server`);
  for (const [entry, field] of [
    [cluster, "certificate-authority"],
    [user, "client-certificate"],
    [user, "client-key"],
    [user, "tokenFile"],
  ] as const)
    if (entry[field] !== undefined)
      throw new PortError("Invalid", `${where} refers to a file ("${field}"); embed the data inline instead`);
  for (const field of ["exec", "auth-provider"])
    if (user[field] !== undefined)
      throw new PortError(
        "Invalid",
        `${where} uses an "${field}" credential plugin, which sluice does not run for kubeconfigs from ` +
          "secrets; embed a token or client certificate, or target EKS clusters by name",
      );

  const userName = typeof context.user === "string" ? context.user : "anonymous";
  const clusterEntry: Cluster = {
    name: clusterName,
    server: server.replace(/\/$/, ""),
    caData: optionalString(cluster, "certificate-authority-data", where),
    tlsServerName: optionalString(cluster, "tls-server-name", where),
    proxyUrl: optionalString(cluster, "proxy-url", where),
    skipTLSVerify: false,
  };
  const userEntry: User = {
    name: userName,
    token: optionalString(user, "token", where),
    certData: optionalString(user, "client-certificate-data", where),
    keyData: optionalString(user, "client-key-data", where),
    username: optionalString(user, "username", where),
    password: optionalString(user, "password", where),
  };
  const contextEntry: Context = {
    name: contextName,
    cluster: clusterName,
    user: userName,
    namespace: optionalString(context, "namespace", where),
  };
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [clusterEntry],
    users: [userEntry],
    contexts: [contextEntry],
    currentContext: contextName,
  });
  return kc;
}
