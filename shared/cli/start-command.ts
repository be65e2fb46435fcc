import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { ROOT_ENV, rootConfigFromEnv } from "../control/root-config.ts";
import type { Logger } from "../reconcile/logger.ts";
import {
  configuredKubeconfig,
  type DevEnvironment,
  startDevEnvironment,
  wantsDevCluster,
} from "../runtime/dev-environment.ts";
import { followFirstRun } from "../runtime/first-run.ts";
import { startLocalRuntime } from "../runtime/local-runtime.ts";
import { usageError } from "./errors.ts";
import { versionLine } from "./program.ts";

/** `sluice start`'s flags, for its --help. */
export const START_FLAGS = `Flags:
  --data-dir <dir>   where state, queue, events and artifacts live (default ./.sluice)
  --port <port>      HTTP API (and webhook) port on 127.0.0.1 (default 9292)
  --root-url <url>   Git repository (HTTPS) with this installation's configuration
  --root-branch <b>  its branch (default main)
  --root-path <p>    folder in it to sync (default ./)
  --root-secret <n>  secret flux-system/<n> with its credentials (username/password or bearerToken)
  --dev / --no-dev   run a local development cluster (default: only when no cluster is configured,
                     i.e. KUBECONFIG is unset and there is no ~/.kube/config); with no root, it also
                     serves and syncs the quickstart example from a local Git repository
`;

const consoleLogger: Logger = {
  info: (message, ...extra) =>
    console.log(`${new Date().toISOString()} info  ${message}`, ...extra.map((e) => JSON.stringify(e))),
  warn: (message, ...extra) =>
    console.warn(`${new Date().toISOString()} warn  ${message}`, ...extra.map((e) => JSON.stringify(e))),
  error: (message, ...extra) =>
    console.error(`${new Date().toISOString()} error ${message}`, ...extra.map((e) => JSON.stringify(e))),
};

/**
 * `sluice start` (what `npm start` runs): the local runtime until Ctrl-C, with the development
 * cluster and the quickstart example when no cluster is configured. It owns the process's
 * signals from here on, and exits 0 once everything it started has stopped.
 */
export async function runStart(args: readonly string[]): Promise<void> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      "data-dir": { type: "string", default: ".sluice" },
      port: { type: "string", default: "9292" },
      "root-url": { type: "string" },
      "root-branch": { type: "string" },
      "root-path": { type: "string" },
      "root-secret": { type: "string" },
      dev: { type: "boolean" },
    },
    allowNegative: true,
    strict: true,
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw usageError(`--port must be a port number, got ${values.port}`);
  const dataDir = resolve(values["data-dir"]);
  // Flags first, then the environment variables the Lambdas use, so both ways work locally.
  const configuredRoot = rootConfigFromEnv({
    ...process.env,
    ...(values["root-url"] ? { [ROOT_ENV.url]: values["root-url"] } : {}),
    ...(values["root-branch"] ? { [ROOT_ENV.branch]: values["root-branch"] } : {}),
    ...(values["root-path"] ? { [ROOT_ENV.path]: values["root-path"] } : {}),
    ...(values["root-secret"] ? { [ROOT_ENV.secretName]: values["root-secret"] } : {}),
  });
  if (!configuredRoot && (values["root-branch"] || values["root-path"] || values["root-secret"]))
    throw usageError("--root-branch, --root-path and --root-secret need --root-url");
  const kubeconfig = configuredKubeconfig(process.env);
  const useDev = wantsDevCluster(values.dev, kubeconfig, dataDir);

  // Installed first: Ctrl-C during the minutes of a first build must still stop what started.
  const stopping = new AbortController();
  const parts: { stop(): Promise<void> }[] = [];
  const stop = async (signal: string) => {
    stopping.abort();
    console.log(`${signal}: finishing the running batch and stopping`);
    for (const part of parts.reverse()) await part.stop();
    process.exit(0);
  };
  process.once("SIGINT", () => void stop("SIGINT"));
  process.once("SIGTERM", () => void stop("SIGTERM"));

  let dev: DevEnvironment | undefined;
  if (useDev) {
    console.log(
      values.dev
        ? "starting a local development cluster (--dev)"
        : "no cluster configured (KUBECONFIG is unset and there is no ~/.kube/config): starting a local development cluster (--no-dev skips it)",
    );
    dev = await startDevEnvironment({
      dataDir,
      example: !configuredRoot,
      log: (line) => console.log(line),
    });
    parts.push(dev);
  }
  const root = configuredRoot ?? dev?.repository?.root;
  const runtime = await startLocalRuntime({
    dataDir,
    port,
    logger: consoleLogger,
    ...(root ? { root } : {}),
    ...(dev ? { kubeconfig: dev.kubeconfig } : {}),
  });
  parts.push(runtime);
  console.log(`${versionLine()} running`);
  console.log(
    `  API        ${runtime.url}  (PUT a manifest to /v1/objects/<kind>/<ns>/<name>; GET /v1/objects, GET /v1/events, POST …/reconcile)`,
  );
  console.log(`  data       ${dataDir}`);
  console.log(
    `  cluster    ${dev ? `the development cluster, ${dev.server} (kubeconfig ${dev.kubeconfig})` : kubeconfig ? `from ${kubeconfig}` : "none configured"}`,
  );
  if (root) console.log(`  root       ${root.url} ${root.branch ?? "main"} ${root.path ?? "./"}`);
  console.log(`  webhooks   ${runtime.url}/hook/<digest>  (a Receiver's status.webhookPath)`);
  console.log(
    `  kinds      ${runtime.kinds.join(", ") || "none yet: Kustomizations arrive with their issue"}`,
  );
  if (!root && !dev)
    console.log("  (nothing to sync: --root-url names your repository; --dev tries the quickstart example)");
  console.log("press Ctrl-C to stop");
  if (dev && root) {
    try {
      parts.push(
        await followFirstRun({
          dataDir,
          apiUrl: runtime.url,
          dev,
          root,
          print: (line) => console.log(line),
          signal: stopping.signal,
        }),
      );
    } catch (error) {
      // Ctrl-C while waiting for the first sync: stop() is already on its way out.
      if (!stopping.signal.aborted) throw error;
    }
  }
}
