import { spawn } from "node:child_process";
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

/** `cdk deploy` (or `destroy`) as bootstrap and uninstall run it: no prompts, progress shown. */
export function cdkArguments(action: "deploy" | "destroy", root?: RootSourceConfig): string[] {
  return action === "deploy"
    ? [
        "deploy",
        STACK_NAME,
        "--require-approval",
        "never",
        "--progress",
        "events",
        ...(root ? rootParameters(root) : []),
      ]
    : ["destroy", STACK_NAME, "--force"];
}

/**
 * Runs the CDK CLI from the project (its own node_modules/.bin/cdk) with the output streamed to
 * the terminal; resolves with its exit code. AWS credentials and region come from the
 * environment, as for any CDK command.
 */
export function runCdk(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [`${PROJECT_ROOT}node_modules/aws-cdk/bin/cdk`, ...args], {
      cwd: PROJECT_ROOT,
      env,
      stdio: "inherit",
    });
    child.once("error", reject);
    child.once("exit", (code) => resolve(code ?? 1));
  });
}
