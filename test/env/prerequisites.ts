import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { EnvError } from "./errors.ts";

/** Where a missing prerequisite comes from on a Debian machine; `.ci/run` installs these. */
const HINT = {
  go: "Go 1.21 or newer builds kube-apiserver and etcd (it fetches the toolchain their go.mod asks for); install it, e.g. `apt-get install golang-go`",
  python3: "python3 with the venv module runs moto; install it with `apt-get install python3 python3-venv`",
  git: "git serves the test repositories; install it with `apt-get install git`",
  "docker-registry":
    "Debian's distribution registry serves images; install it with `apt-get install docker-registry`",
  unzip: "unzip unpacks the kubectl/helm layer; install it with `apt-get install unzip`",
} as const;

export type Tool = keyof typeof HINT;

function run(command: string, args: string[]): { ok: boolean; stdout: string } {
  const result = spawnSync(command, args, { encoding: "utf8" });
  return { ok: result.status === 0, stdout: (result.stdout ?? "").trim() };
}

function missing(tool: Tool, what: string = tool): EnvError {
  return new EnvError("MissingTool", `${what} not found: ${HINT[tool]}`);
}

/** Resolves a command on PATH or throws a one-line error naming the package that provides it. */
export function requireTool(tool: Tool): string {
  const found = run("sh", ["-c", `command -v ${tool}`]);
  if (!found.ok || !found.stdout) throw missing(tool);
  return found.stdout;
}

/** python3 alone is not enough: Debian ships `venv` (and ensurepip) in a separate package. */
export function requirePythonVenv(): string {
  const python = requireTool("python3");
  if (!run(python, ["-c", "import venv, ensurepip"]).ok) throw missing("python3", "python3 venv module");
  return python;
}

/** git's CGI program for smart HTTP lives in git's exec path, not on PATH. */
export function requireGitHttpBackend(): string {
  requireTool("git");
  const backend = join(run("git", ["--exec-path"]).stdout, "git-http-backend");
  if (!existsSync(backend)) throw missing("git", "git-http-backend");
  return backend;
}
