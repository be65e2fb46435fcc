import { onTestFinished } from "vitest";
import { S3BucketConnector } from "../../shared/adapters/aws/s3-bucket-connector.ts";
import { localAdapters } from "../../shared/adapters/local/runtime.ts";
import { builtInReconcilers } from "../../shared/reconcile/kinds.ts";
import { testEnv } from "../env/context.ts";
import { tempDir } from "./temp-dir.ts";

/**
 * The engine on the local adapters, as the local runtime wires it, for tests that drive the loop
 * themselves: every built-in kind, the test environment's kubectl, and (unless told otherwise)
 * the test cluster as the default one. Closed when the test ends.
 */
export async function localEngine(options: { readonly kubeconfig?: string; readonly prefix?: string } = {}) {
  const env = testEnv();
  const dataDir = await tempDir(options.prefix ?? "sluice-engine-");
  const adapters = localAdapters({ dataDir, kubeconfig: options.kubeconfig ?? env.kube.kubeconfig });
  onTestFinished(() => adapters.database.close());
  const registry = builtInReconcilers({
    ...adapters,
    buckets: new S3BucketConnector(),
    tools: async () => env.tools,
  });
  return { env, dataDir, adapters, registry, loop: { ...adapters, registry } };
}
