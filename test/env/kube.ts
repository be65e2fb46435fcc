import { generateKeyPairSync, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { request } from "node:https";
import { join } from "node:path";
import { stringify } from "yaml";
import { type ManagedProcess, startProcess } from "./process.ts";
import { type Running, stopAll } from "./running.ts";
import { waitUntilReady } from "./wait.ts";

export interface KubeInfo {
  /** https://127.0.0.1:<port> */
  readonly server: string;
  /** Bearer token of an admin in group system:masters. */
  readonly token: string;
  /** PEM bundle that verifies the API server's self-signed serving certificate. */
  readonly caFile: string;
  /** A kubeconfig file for the admin, usable by kubectl, helm and @kubernetes/client-node. */
  readonly kubeconfig: string;
}

export interface KubeOptions {
  readonly kubeApiserver: string;
  readonly etcd: string;
  readonly dir: string;
  readonly ports: { readonly etcd: number; readonly etcdPeer: number; readonly apiserver: number };
}

function httpsStatus(url: string, ca: Buffer, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, headers: { authorization: `Bearer ${token}` }, timeout: 2_000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.once("error", reject);
    req.once("timeout", () => req.destroy(new Error("timeout")));
    req.end();
  });
}

async function startEtcd(options: KubeOptions): Promise<ManagedProcess> {
  const client = `http://127.0.0.1:${options.ports.etcd}`;
  const peer = `http://127.0.0.1:${options.ports.etcdPeer}`;
  const etcd = startProcess({
    name: "etcd",
    command: options.etcd,
    logDir: options.dir,
    args: [
      `--data-dir=${join(options.dir, "etcd-data")}`,
      `--listen-client-urls=${client}`,
      `--advertise-client-urls=${client}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=default=${peer}`,
      // Test data is thrown away; fsync only costs time.
      "--unsafe-no-fsync",
    ],
  });
  await waitUntilReady(etcd, async () => (await fetch(`${client}/health`)).ok, { timeoutMs: 30_000 });
  return etcd;
}

/** The flags controller-runtime's envtest gives the API server, plus a static admin token. */
async function startApiserver(
  options: KubeOptions,
  token: string,
): Promise<{ proc: ManagedProcess; caFile: string }> {
  const certDir = join(options.dir, "certs");
  await mkdir(certDir, { recursive: true });
  const saKey = join(options.dir, "service-account.key");
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  await writeFile(saKey, privateKey.export({ type: "pkcs8", format: "pem" }));
  const tokens = join(options.dir, "tokens.csv");
  await writeFile(tokens, `${token},admin,admin,"system:masters"\n`, { mode: 0o600 });

  const proc = startProcess({
    name: "kube-apiserver",
    command: options.kubeApiserver,
    logDir: options.dir,
    args: [
      `--etcd-servers=http://127.0.0.1:${options.ports.etcd}`,
      `--cert-dir=${certDir}`,
      `--secure-port=${options.ports.apiserver}`,
      "--bind-address=127.0.0.1",
      // A sandbox has no default route, and the server refuses to guess an address without one.
      "--advertise-address=127.0.0.1",
      "--service-cluster-ip-range=10.0.0.0/24",
      "--allow-privileged=true",
      "--disable-admission-plugins=ServiceAccount",
      "--authorization-mode=RBAC",
      "--service-account-issuer=https://127.0.0.1",
      `--service-account-key-file=${saKey}`,
      `--service-account-signing-key-file=${saKey}`,
      `--token-auth-file=${tokens}`,
    ],
  });
  const caFile = join(certDir, "apiserver.crt");
  const readyz = `https://127.0.0.1:${options.ports.apiserver}/readyz`;
  await waitUntilReady(
    proc,
    async () => existsSync(caFile) && (await httpsStatus(readyz, await readFile(caFile), token)) === 200,
    { timeoutMs: 90_000 },
  );
  return { proc, caFile };
}

export async function writeKubeconfig(path: string, info: Omit<KubeInfo, "kubeconfig">): Promise<void> {
  const ca = await readFile(info.caFile);
  const config = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      {
        name: "sluice-test",
        cluster: { server: info.server, "certificate-authority-data": ca.toString("base64") },
      },
    ],
    users: [{ name: "admin", user: { token: info.token } }],
    contexts: [{ name: "sluice-test", context: { cluster: "sluice-test", user: "admin" } }],
    "current-context": "sluice-test",
  };
  await writeFile(path, stringify(config), { mode: 0o600 });
}

/** etcd, then a kube-apiserver on it; resolves once /readyz answers 200 to the admin. */
export async function startKube(options: KubeOptions): Promise<Running<KubeInfo>> {
  const started: ManagedProcess[] = [];
  try {
    started.push(await startEtcd(options));
    const token = randomBytes(24).toString("hex");
    const { proc, caFile } = await startApiserver(options, token);
    started.push(proc);
    const server = `https://127.0.0.1:${options.ports.apiserver}`;
    const kubeconfig = join(options.dir, "kubeconfig");
    await writeKubeconfig(kubeconfig, { server, token, caFile });
    return { info: { server, token, caFile, kubeconfig }, stop: () => stopAll(started) };
  } catch (error) {
    await stopAll(started);
    throw error;
  }
}
