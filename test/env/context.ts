import { KubeConfig } from "@kubernetes/client-node";
import { inject } from "vitest";
import type { EnvInfo } from "./environment.ts";

declare module "vitest" {
  export interface ProvidedContext {
    sluiceEnv: EnvInfo;
  }
}

/** The running servers of this test run (integration tests only). */
export function testEnv(): EnvInfo {
  const env = inject("sluiceEnv");
  if (!env)
    throw new Error(
      "the test environment is not running: integration tests run under test/env/global-setup.ts",
    );
  return env;
}

/** An admin KubeConfig for the test API server, built the way the engine builds its own. */
export function adminKubeConfig(env: EnvInfo = testEnv()): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(env.kube.kubeconfig);
  return kc;
}

/** Endpoint, region and credentials for any AWS SDK v3 client, pointed at moto. */
export function awsClientConfig(env: EnvInfo = testEnv()) {
  return {
    endpoint: env.aws.endpoint,
    region: env.aws.region,
    credentials: { accessKeyId: env.aws.accessKeyId, secretAccessKey: env.aws.secretAccessKey },
  };
}
