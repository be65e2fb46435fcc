import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { RootSourceConfig } from "../../control/root-config.ts";

/** The stack `infra/app.ts` declares. */
export const STACK_NAME = "Sluice";

const PROJECT_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/** The stack parameters that carry the root (see infra/root-source.ts). */
export function rootParameters(root: RootSourceConfig): string[] {
  const parameters: Record<string, string> = {
    RootSourceUrl: root.url,
    RootSourceBranch: root.branch ?? "main",
    RootSourcePath: root.path ?? "./",
    RootSourceSecretName: root.secretName ?? "",
  };
  return Object.entries(parameters).flatMap(([name, value]) => ["--parameters", `${name}=${value}`]);
}

/**
 * `cdk deploy` (or `destroy`) as bootstrap and uninstall run it: no prompts, progress shown. With
 * `outputsFile` (an absolute path: cdk runs in the project folder), deploy writes the stack's
 * outputs there as `{ "Sluice": { "ApiUrl": …, … } }`.
 */
export function cdkArguments(
  action: "deploy" | "destroy",
  root?: RootSourceConfig,
  outputsFile?: string,
): string[] {
  return action === "deploy"
    ? [
        "deploy",
        STACK_NAME,
        "--require-approval",
        "never",
        "--progress",
        "events",
        ...(root ? rootParameters(root) : []),
        ...(outputsFile ? ["--outputs-file", outputsFile] : []),
      ]
    : ["destroy", STACK_NAME, "--force"];
}

/**
 * The stack's outputs from the file `cdk deploy --outputs-file` wrote; undefined when it is
 * missing or holds no string outputs for the stack (a failed or interrupted deploy).
 */
export async function readStackOutputs(file: string): Promise<Readonly<Record<string, string>> | undefined> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, "utf8"));
  } catch {
    return undefined;
  }
  const stack = (parsed as Record<string, unknown> | null)?.[STACK_NAME];
  if (typeof stack !== "object" || stack === null) return undefined;
  return Object.fromEntries(
    Object.entries(stack).filter((e): e is [string, string] => typeof e[1] === "string"),
  );
}

/**
 * Runs the CDK CLI from the project (its own node_modules/.bin/cdk) with the output streamed to
 * the terminal; resolves with its exit code. AWS credentials and region come from the
 * environment, as for any CDK command. SLUICE_CDK names another executable to run instead: a
 * test seam, since a real deploy needs an AWS account.
 */
export function runCdk(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const cdk = env.SLUICE_CDK
    ? { command: env.SLUICE_CDK, args: [...args] }
    : { command: process.execPath, args: [`${PROJECT_ROOT}node_modules/aws-cdk/bin/cdk`, ...args] };
  return new Promise((resolve, reject) => {
    const child = spawn(cdk.command, cdk.args, {
      cwd: PROJECT_ROOT,
      env,
      stdio: "inherit",
    });
    child.once("error", reject);
    child.once("exit", (code) => resolve(code ?? 1));
  });
}
