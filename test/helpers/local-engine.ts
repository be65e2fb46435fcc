import { onTestFinished } from "vitest";
import { S3BucketConnector } from "../../shared/adapters/aws/s3-bucket-connector.ts";
import { localAdapters } from "../../shared/adapters/local/runtime.ts";
import { findCondition } from "../../shared/api/conditions.ts";
import type { ObjectKey, StateStore } from "../../shared/ports/index.ts";
import { builtInReconcilers } from "../../shared/reconcile/kinds.ts";
import { reconcileObject } from "../../shared/reconcile/reconcile-object.ts";
import { conditionsOf } from "../../shared/reconcile/status.ts";
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
  const loop = { ...adapters, registry };
  /** One run of the real reconcile loop for `key`; the object as stored afterwards and its Ready. */
  const poll = async (key: ObjectKey) => {
    const run = await reconcileObject({ key, reason: "manual" }, "test", loop);
    const object = await adapters.state.getObject(key);
    return { run, object, ready: findCondition(conditionsOf(object?.status), "Ready") };
  };
  return { env, dataDir, adapters, registry, loop, poll };
}

/**
 * A GitRepository on `main` of `url` and a Kustomization over its `./deploy` with prune, both
 * named `name` in flux-system and applying into namespace `name`: the pair most tests start from.
 */
export async function putGitKustomization(
  state: StateStore,
  options: { readonly name: string; readonly url: string; readonly spec?: Readonly<Record<string, unknown>> },
): Promise<{ git: ObjectKey; ks: ObjectKey }> {
  const { name } = options;
  const git: ObjectKey = { kind: "GitRepository", namespace: "flux-system", name };
  const ks: ObjectKey = { kind: "Kustomization", namespace: "flux-system", name };
  await state.putObject({
    key: git,
    apiVersion: "source.toolkit.fluxcd.io/v1",
    metadata: {},
    spec: { interval: "1m", url: options.url, ref: { branch: "main" } },
  });
  await state.putObject({
    key: ks,
    apiVersion: "kustomize.toolkit.fluxcd.io/v1",
    metadata: {},
    spec: {
      interval: "10m",
      sourceRef: { kind: "GitRepository", name },
      path: "./deploy",
      prune: true,
      targetNamespace: name,
      ...options.spec,
    },
  });
  return { git, ks };
}
