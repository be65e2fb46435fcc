/**
 * `npm start` on a machine with no cluster: a development cluster and, when no root repository
 * is configured, a local Git repository holding the quickstart example.
 *
 * This is the one module of shared/ that imports test/env, on purpose: the development cluster
 * IS the test environment's kube-apiserver and etcd (built once from the Go module proxy and
 * cached), and the repository is served by its git http-backend server. Both come with the
 * devDependencies that `npm ci` installs on a fresh clone; the Lambdas never import this file.
 */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import git from "isomorphic-git";
import { startKubeAndGit } from "../../test/env/environment.ts";
import { EnvError, type EnvErrorReason } from "../../test/env/errors.ts";
import { createBareRepo } from "../../test/env/git-server.ts";
import { assertPortFree, freePort } from "../../test/env/ports.ts";
import { prepareKubeAndGit } from "../../test/env/prepare.ts";
import type { RootSourceConfig } from "../control/root-config.ts";

/** What `npm start` seeds the repository with the first time. */
export const EXAMPLE_DIR = fileURLToPath(new URL("../../examples/quickstart/", import.meta.url));
/** The folder of the example the root Kustomization syncs. */
export const EXAMPLE_PATH = "./clusters/local";
const REPOSITORY = "quickstart.git";
const GIT_USER = "sluice";

/**
 * The kubeconfig sluice would use when none is given, as the engine finds it: KUBECONFIG (its
 * first file), else ~/.kube/config when that exists.
 */
export function configuredKubeconfig(
  env: Readonly<Record<string, string | undefined>>,
  home: string = homedir(),
): string | undefined {
  const fromEnv = env.KUBECONFIG?.split(":").find((path) => path !== "");
  if (fromEnv) return fromEnv;
  const fallback = join(home, ".kube", "config");
  return existsSync(fallback) ? fallback : undefined;
}

/** Where the development cluster's kubeconfig is written, the same path on every start. */
export function devKubeconfigPath(dataDir: string): string {
  return join(dataDir, "dev", "cluster", "kubeconfig");
}

/**
 * Whether `start` brings up the development cluster: `--dev` forces it, `--no-dev` forbids it,
 * and otherwise it does exactly when no cluster is configured, so a machine with a cluster is
 * never surprised by a second one. A KUBECONFIG naming the development cluster's own file (one
 * a user exported from an earlier start) counts as none: that cluster only runs while sluice does.
 */
export function wantsDevCluster(
  flag: boolean | undefined,
  kubeconfig: string | undefined,
  dataDir: string,
): boolean {
  return flag ?? (kubeconfig === undefined || resolve(kubeconfig) === devKubeconfigPath(dataDir));
}

export interface DevEnvironmentOptions {
  /** sluice's data folder; everything of the development environment goes under `<dataDir>/dev`. */
  readonly dataDir: string;
  /** Serve the quickstart repository (there is no root of the user's own). */
  readonly example: boolean;
  /** Progress, one line at a time. */
  readonly log: (line: string) => void;
}

export interface DevRepository {
  /** The root to sync: the repository, read anonymously, at the example's cluster folder. */
  readonly root: RootSourceConfig;
  /** The URL to clone and push with, credentials included. */
  readonly cloneUrl: string;
  /** True when this start created it; false when it was there already (and may hold pushes). */
  readonly created: boolean;
}

export interface DevEnvironment {
  /** The development cluster's admin kubeconfig; the same path on every start. */
  readonly kubeconfig: string;
  /** https://127.0.0.1:<port> */
  readonly server: string;
  readonly repository?: DevRepository;
  /** Stops the API server, etcd and the Git server. */
  stop(): Promise<void>;
}

interface SavedGitServer {
  readonly port: number;
  readonly password: string;
}

function isSavedGitServer(value: unknown): value is SavedGitServer {
  const v = value as Partial<SavedGitServer> | null;
  return typeof v?.port === "number" && Number.isInteger(v.port) && typeof v.password === "string";
}

/**
 * The Git server keeps its port and password across starts, so a clone made yesterday still
 * pushes today. When the port has been taken meanwhile, another one is chosen and said.
 */
async function gitServerSettings(file: string, log: (line: string) => void): Promise<SavedGitServer> {
  const saved: unknown = existsSync(file) ? JSON.parse(await readFile(file, "utf8")) : undefined;
  let settings: SavedGitServer;
  if (isSavedGitServer(saved)) {
    const port = await assertPortFree(saved.port, "the Git server").catch(() => undefined);
    settings = { ...saved, port: port ?? (await freePort()) };
    if (port === undefined)
      log(`port ${saved.port} of the Git server is taken; it listens on ${settings.port} this time`);
  } else {
    settings = { port: await freePort(), password: randomBytes(12).toString("hex") };
  }
  await writeFile(file, `${JSON.stringify(settings, null, 2)}\n`, { mode: 0o600 });
  return settings;
}

const seedAuthor = { name: "sluice quickstart", email: "quickstart@sluice.invalid" };

/** Writes a folder into the repository's object store, as a tree; returns the tree's id. */
async function writeFolder(gitdir: string, dir: string): Promise<string> {
  const tree: { mode: string; path: string; oid: string; type: "blob" | "tree" }[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory())
      tree.push({ mode: "040000", path: entry.name, oid: await writeFolder(gitdir, path), type: "tree" });
    else if (entry.isFile())
      tree.push({
        mode: "100644",
        path: entry.name,
        oid: await git.writeBlob({ fs, gitdir, blob: await readFile(path) }),
        type: "blob",
      });
  }
  return git.writeTree({ fs, gitdir, tree });
}

/**
 * Creates the bare repository with the example as its first commit on main. A repository that
 * already has a main branch is left alone: it is the user's now.
 */
async function ensureRepository(gitRoot: string): Promise<boolean> {
  const gitdir = join(gitRoot, REPOSITORY);
  if (existsSync(gitdir)) {
    const main = await git.resolveRef({ fs, gitdir, ref: "refs/heads/main" }).catch(() => undefined);
    if (main) return false;
  } else {
    await createBareRepo(gitRoot, REPOSITORY);
  }
  const tree = await writeFolder(gitdir, EXAMPLE_DIR);
  await git.commit({
    fs,
    gitdir,
    ref: "refs/heads/main",
    tree,
    parent: [],
    message: "The sluice quickstart example\n",
    author: seedAuthor,
  });
  return true;
}

/** Why the development environment could not start; `reason` is the test environment's. */
export class DevEnvironmentError extends Error {
  readonly reason: EnvErrorReason;

  constructor(reason: EnvErrorReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "DevEnvironmentError";
    this.reason = reason;
  }
}

/** The test environment's one-line error, plus the way around it for someone who has a cluster. */
function explain(error: unknown): never {
  if (!(error instanceof EnvError)) throw error;
  throw new DevEnvironmentError(
    error.reason,
    `the development cluster could not start: ${error.message}. To use a cluster of your own instead, set KUBECONFIG`,
    { cause: error },
  );
}

/**
 * The first build on a machine is silent for minutes; a line a minute says it is still going.
 */
async function prepareWithHeartbeat(log: (line: string) => void) {
  const began = Date.now();
  let building = false;
  const heartbeat = setInterval(() => {
    if (building) log(`  still building, ${Math.round((Date.now() - began) / 60_000)} min so far`);
  }, 60_000);
  try {
    return await prepareKubeAndGit({
      log: (line) => {
        building ||= line.startsWith("building");
        log(`  ${line}`);
      },
    });
  } finally {
    clearInterval(heartbeat);
  }
}

/**
 * Builds what is missing (the first time on a machine: kube-apiserver and etcd from source),
 * starts a fresh cluster and the Git server, and seeds the example repository once.
 *
 * The cluster starts empty every time (its folder is cleared first): what is in it comes from
 * Git, which sluice applies again. The repository and the Git server's credentials persist.
 */
export async function startDevEnvironment(options: DevEnvironmentOptions): Promise<DevEnvironment> {
  const { log } = options;
  const dev = join(options.dataDir, "dev");
  const clusterDir = dirname(devKubeconfigPath(options.dataDir));
  const gitRoot = join(dev, "git");
  await rm(clusterDir, { recursive: true, force: true });
  await mkdir(gitRoot, { recursive: true });

  const binaries = await prepareWithHeartbeat(log).catch(explain);
  const gitServer = options.example
    ? {
        root: gitRoot,
        username: GIT_USER,
        ...(await gitServerSettings(join(dev, "git-server.json"), log)),
      }
    : undefined;
  const began = Date.now();
  const servers = await startKubeAndGit({
    binaries,
    kubeDir: clusterDir,
    ...(gitServer ? { git: gitServer } : {}),
  }).catch(explain);
  const { kube } = servers.info;
  log(
    `  cluster    ${kube.server} ready in ${Math.round((Date.now() - began) / 1000)} s (logs in ${clusterDir})`,
  );
  try {
    const served = servers.info.git;
    if (!gitServer || !served)
      return { kubeconfig: kube.kubeconfig, server: kube.server, stop: servers.stop };
    const created = await ensureRepository(gitRoot);
    const url = `${served.url}/${REPOSITORY}`;
    const cloneUrl = url.replace("http://", `http://${GIT_USER}:${encodeURIComponent(gitServer.password)}@`);
    // The URL itself is on the root line sluice prints next; here only where the content came from.
    log(
      `  repository ${REPOSITORY} on the local Git server (${created ? "created from examples/quickstart" : "kept from the last start"})`,
    );
    return {
      kubeconfig: kube.kubeconfig,
      server: kube.server,
      repository: { root: { url, path: EXAMPLE_PATH }, cloneUrl, created },
      stop: servers.stop,
    };
  } catch (error) {
    await servers.stop();
    throw error;
  }
}
