import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type GitServerInfo, type GitServerOptions, startGitServer } from "./git-server.ts";
import { type KubeInfo, startKube } from "./kube.ts";
import { type MotoInfo, startMoto } from "./moto.ts";
import { allocatePorts, freePort } from "./ports.ts";
import { type Binaries, prepare } from "./prepare.ts";
import { reapOrphans } from "./process.ts";
import { type RegistryInfo, startRegistry } from "./registry.ts";
import { startTokenServer } from "./registry-token.ts";
import { type Running, stopAll } from "./running.ts";

/** Everything a test needs to reach the real servers; plain data, passed to test workers. */
export interface EnvInfo {
  readonly kube: KubeInfo;
  readonly git: GitServerInfo;
  /** Registry with htpasswd basic auth. */
  readonly registry: RegistryInfo;
  /** Registry with Docker-style bearer token auth; its token service checks the same kind of credentials. */
  readonly registryToken: RegistryInfo;
  readonly aws: MotoInfo;
  readonly tools: { readonly kubectl: string; readonly helm: string };
  /** Scratch folder of this run, removed at teardown. */
  readonly workDir: string;
  /** Seconds each part took to become ready, for the benchmark and for slow-start diagnosis. */
  readonly startSeconds: Readonly<Record<string, number>>;
}

export interface TestEnvironment {
  readonly info: EnvInfo;
  stop(): Promise<void>;
}

async function timed<T>(name: string, times: Record<string, number>, start: () => Promise<T>): Promise<T> {
  const began = performance.now();
  const result = await start();
  times[name] = Number(((performance.now() - began) / 1000).toFixed(2));
  return result;
}

/**
 * Starts every server on loopback, in parallel. If any part fails, the parts already running
 * are stopped before the error is rethrown, so a failed start leaves no process behind.
 */
export async function startEnvironment(binaries?: Binaries): Promise<TestEnvironment> {
  reapOrphans();
  const bin = binaries ?? (await prepare());
  const workDir = await mkdtemp(join(tmpdir(), "sluice-test-env-"));
  const ports = await allocatePorts([
    "apiserver",
    "etcd",
    "etcdPeer",
    "git",
    "registry",
    "moto",
    "registryToken",
    "tokenServer",
  ] as const);
  const secret = () => randomBytes(12).toString("hex");
  const times: Record<string, number> = {};

  const kubeStart = timed("kube", times, () =>
    startKube({ kubeApiserver: bin.kubeApiserver, etcd: bin.etcd, dir: join(workDir, "kube"), ports }),
  );
  const gitStart = timed("git", times, () =>
    startGitServer({
      gitHttpBackend: bin.gitHttpBackend,
      root: join(workDir, "git"),
      port: ports.git,
      username: "sluice",
      password: secret(),
    }),
  );
  const registryStart = timed("registry", times, () =>
    startRegistry({
      registry: bin.registry,
      dir: join(workDir, "registry"),
      port: ports.registry,
      username: "sluice",
      password: secret(),
    }),
  );
  const registryTokenStart = timed("registryToken", times, () =>
    startTokenRegistry(bin.registry, workDir, ports),
  );
  const motoStart = timed("moto", times, () =>
    startMoto({ motoPython: bin.motoPython, dir: workDir, port: ports.moto }),
  );

  const all = [kubeStart, gitStart, registryStart, motoStart, registryTokenStart] as const;
  const settled = await Promise.allSettled(all);
  const running: Running<unknown>[] = settled.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
  const failure = settled.find((s) => s.status === "rejected");
  if (failure) {
    await stopAll(running);
    await rm(workDir, { recursive: true, force: true });
    throw failure.reason;
  }
  const [kube, git, registry, aws, registryToken] = await Promise.all(all);
  return {
    info: {
      kube: kube.info,
      git: git.info,
      registry: registry.info,
      registryToken: registryToken.info,
      aws: aws.info,
      tools: { kubectl: bin.kubectl, helm: bin.helm },
      workDir,
      startSeconds: times,
    },
    async stop() {
      await stopAll(running);
      await rm(workDir, { recursive: true, force: true });
    },
  };
}

/** The token service, then the registry that trusts it; stopping stops both. */
async function startTokenRegistry(
  registryBinary: string,
  workDir: string,
  ports: { readonly registryToken: number; readonly tokenServer: number },
): Promise<Running<RegistryInfo>> {
  const dir = join(workDir, "registry-token");
  await mkdir(dir, { recursive: true });
  const credentials = { username: "sluice", password: randomBytes(12).toString("hex") };
  const tokens = await startTokenServer({ dir, port: ports.tokenServer, ...credentials });
  try {
    const registry = await startRegistry({
      registry: registryBinary,
      dir,
      port: ports.registryToken,
      tokenServer: tokens.info,
      ...credentials,
    });
    return { info: registry.info, stop: () => stopAll([tokens, registry]) };
  } catch (error) {
    await tokens.stop();
    throw error;
  }
}

export interface KubeAndGitOptions {
  readonly binaries: Pick<Binaries, "kubeApiserver" | "etcd" | "gitHttpBackend">;
  /** Folder for etcd's data, the certificates, the kubeconfig and both servers' logs. */
  readonly kubeDir: string;
  /** The Git server, if wanted, as the caller sets it up: its folder, port and credentials may outlive a run. */
  readonly git?: Omit<GitServerOptions, "gitHttpBackend">;
}

/**
 * Just the API server (with its etcd) and optionally the Git server, for `npm start`'s
 * development cluster. Unlike startEnvironment, nothing is created in or removed from a scratch
 * folder: the caller owns the folders. The same all-or-nothing start: a part that fails stops
 * the other.
 */
export async function startKubeAndGit(
  options: KubeAndGitOptions,
): Promise<Running<{ readonly kube: KubeInfo; readonly git?: GitServerInfo }>> {
  reapOrphans();
  // Always kernel-chosen: SLUICE_TEST_PORT_BASE belongs to the test environment, which may be up too.
  const ports = { apiserver: await freePort(), etcd: await freePort(), etcdPeer: await freePort() };
  const { binaries, git } = options;
  const [kube, server] = await Promise.allSettled([
    startKube({ kubeApiserver: binaries.kubeApiserver, etcd: binaries.etcd, dir: options.kubeDir, ports }),
    git ? startGitServer({ ...git, gitHttpBackend: binaries.gitHttpBackend }) : Promise.resolve(undefined),
  ] as const);
  if (kube.status === "rejected" || server.status === "rejected") {
    await stopAll([kube, server].flatMap((s) => (s.status === "fulfilled" && s.value ? [s.value] : [])));
    throw kube.status === "rejected" ? kube.reason : (server as PromiseRejectedResult).reason;
  }
  const running = [kube.value, ...(server.value ? [server.value] : [])];
  return {
    info: { kube: kube.value.info, ...(server.value ? { git: server.value.info } : {}) },
    stop: () => stopAll(running),
  };
}
