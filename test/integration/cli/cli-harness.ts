import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { onTestFinished, vi } from "vitest";
import { type LocalRuntime, startLocalRuntime } from "../../../shared/runtime/local-runtime.ts";
import { TOOL_ENV } from "../../../shared/runtime/tools.ts";
import { testEnv } from "../../env/context.ts";
import { exec } from "../../env/exec.ts";
import { tempDir } from "../../helpers/temp-dir.ts";

export const CLI = fileURLToPath(new URL("../../../shared/cli/main.ts", import.meta.url));

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The environment every CLI run gets: the test servers, no colour, no user config. */
export function cliEnv(extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  const env = testEnv();
  const base = Object.fromEntries(
    Object.entries(process.env).filter(
      (e): e is [string, string] =>
        e[1] !== undefined && !e[0].startsWith("AWS_") && !e[0].startsWith("SLUICE_"),
    ),
  );
  return {
    ...base,
    NO_COLOR: "1",
    KUBECONFIG: env.kube.kubeconfig,
    [TOOL_ENV.kubectl]: env.tools.kubectl,
    [TOOL_ENV.helm]: env.tools.helm,
    SLUICE_CONFIG: "/nonexistent/sluice-config.yaml",
    ...extra,
  };
}

/** Runs `node shared/cli/main.ts …args` to its end, as a user's shell would. */
export function runCli(
  args: readonly string[],
  env: Readonly<Record<string, string>>,
  cwd?: string,
): Promise<CliRun> {
  return exec(process.execPath, [CLI, ...args], { env, closeStdin: true, ...(cwd ? { cwd } : {}) });
}

/** A CLI run that keeps going (a watch): its output so far, and a way to stop it. */
export function startCli(args: readonly string[], env: Readonly<Record<string, string>>) {
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [CLI, ...args], { env });
  const output = { stdout: "", stderr: "" };
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    output.stdout += chunk;
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    output.stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once("close", resolve));
  onTestFinished(() => {
    child.kill("SIGKILL");
  });
  return { child, output, exited };
}

/**
 * A local runtime on a free port, its data in a scratch folder, applying to the test cluster with
 * the test environment's kubectl; a quick scheduler tick so new objects run at once.
 */
export async function localRuntime(): Promise<LocalRuntime> {
  const env = testEnv();
  vi.stubEnv(TOOL_ENV.kubectl, env.tools.kubectl);
  vi.stubEnv(TOOL_ENV.helm, env.tools.helm);
  onTestFinished(() => {
    vi.unstubAllEnvs();
  });
  const runtime = await startLocalRuntime({
    dataDir: await tempDir("sluice-cli-runtime-"),
    port: 0,
    tickMs: 200,
    kubeconfig: env.kube.kubeconfig,
  });
  onTestFinished(() => runtime.stop());
  return runtime;
}
