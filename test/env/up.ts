import { startEnvironment } from "./environment.ts";
import { EnvError } from "./errors.ts";

/**
 * Starts the test environment and keeps it running until Ctrl-C: for poking at the real
 * servers by hand (`KUBECONFIG=… kubectl get ns`) while writing a test.
 */
try {
  const env = await startEnvironment();
  const { info } = env;
  console.log(`kube-apiserver  ${info.kube.server}  (KUBECONFIG=${info.kube.kubeconfig})`);
  console.log(
    `git server      ${info.git.url}  (user ${info.git.username}, password ${info.git.password}; repos in ${info.git.root})`,
  );
  console.log(
    `registry        ${info.registry.url}  (user ${info.registry.username}, password ${info.registry.password})`,
  );
  console.log(
    `token registry  ${info.registryToken.url}  (user ${info.registryToken.username}, password ${info.registryToken.password}; bearer tokens)`,
  );
  console.log(`moto            ${info.aws.endpoint}  (region ${info.aws.region})`);
  console.log(`kubectl         ${info.tools.kubectl}`);
  console.log(`helm            ${info.tools.helm}`);
  console.log("press Ctrl-C to stop");
  const stop = async () => {
    await env.stop();
    process.exit(0);
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
} catch (error) {
  console.error(error instanceof EnvError ? `test environment: ${error.message}` : error);
  process.exit(1);
}
