#!/usr/bin/env node
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { ROOT_ENV, rootConfigFromEnv } from "../control/root-config.ts";
import type { Logger } from "../reconcile/logger.ts";
import { startLocalRuntime } from "../runtime/local-runtime.ts";

/**
 * The `sluice` command. Today it knows `start` (the local runtime) and `version`; the full
 * Flux-style command line (get, reconcile, suspend, …) is built on the same HTTP API.
 */
const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
  version: string;
};

const consoleLogger: Logger = {
  info: (message, ...extra) =>
    console.log(`${new Date().toISOString()} info  ${message}`, ...extra.map((e) => JSON.stringify(e))),
  warn: (message, ...extra) =>
    console.warn(`${new Date().toISOString()} warn  ${message}`, ...extra.map((e) => JSON.stringify(e))),
  error: (message, ...extra) =>
    console.error(`${new Date().toISOString()} error ${message}`, ...extra.map((e) => JSON.stringify(e))),
};

const USAGE = `usage: sluice <command> [flags]

commands:
  start      run sluice on this machine until Ctrl-C
               --data-dir <dir>   where state, queue, events and artifacts live (default ./.sluice)
               --port <port>      HTTP API (and webhook) port on 127.0.0.1 (default 9292)
               --root-url <url>   Git repository (HTTPS) with this installation's configuration
               --root-branch <b>  its branch (default main)
               --root-path <p>    folder in it to sync (default ./)
               --root-secret <n>  secret flux-system/<n> with its credentials (username/password or bearerToken)
  version    print the version

example:
  npm start -- --data-dir /tmp/sluice --port 9393`;

async function start(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      "data-dir": { type: "string", default: ".sluice" },
      port: { type: "string", default: "9292" },
      "root-url": { type: "string" },
      "root-branch": { type: "string" },
      "root-path": { type: "string" },
      "root-secret": { type: "string" },
    },
    strict: true,
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new UsageError(`--port must be a port number, got ${values.port}`);
  const dataDir = resolve(values["data-dir"]);
  // Flags first, then the environment variables the Lambdas use, so both ways work locally.
  const root = rootConfigFromEnv({
    ...process.env,
    ...(values["root-url"] ? { [ROOT_ENV.url]: values["root-url"] } : {}),
    ...(values["root-branch"] ? { [ROOT_ENV.branch]: values["root-branch"] } : {}),
    ...(values["root-path"] ? { [ROOT_ENV.path]: values["root-path"] } : {}),
    ...(values["root-secret"] ? { [ROOT_ENV.secretName]: values["root-secret"] } : {}),
  });
  if (!root && (values["root-branch"] || values["root-path"] || values["root-secret"]))
    throw new UsageError("--root-branch, --root-path and --root-secret need --root-url");
  const runtime = await startLocalRuntime({
    dataDir,
    port,
    logger: consoleLogger,
    ...(root ? { root } : {}),
  });
  console.log(`sluice ${pkg.version} (Node.js ${process.versions.node}) running`);
  console.log(
    `  API        ${runtime.url}  (PUT a manifest to /v1/objects/<kind>/<ns>/<name>; GET /v1/objects, GET /v1/events, POST …/reconcile)`,
  );
  console.log(`  data       ${dataDir}`);
  if (root) console.log(`  root       ${root.url} ${root.branch ?? "main"} ${root.path ?? "./"}`);
  console.log(`  webhooks   ${runtime.url}/hook/<digest>  (a Receiver's status.webhookPath)`);
  console.log(
    `  kinds      ${runtime.kinds.join(", ") || "none yet: Kustomizations arrive with their issue"}`,
  );
  console.log("press Ctrl-C to stop");
  const stop = async (signal: string) => {
    console.log(`${signal}: finishing the running batch and stopping`);
    await runtime.stop();
    process.exit(0);
  };
  process.once("SIGINT", () => void stop("SIGINT"));
  process.once("SIGTERM", () => void stop("SIGTERM"));
}

class UsageError extends Error {}

const [command, ...rest] = process.argv.slice(2);
try {
  switch (command) {
    case "start":
      await start(rest);
      break;
    case "version":
    case "--version":
      console.log(`sluice ${pkg.version} (Node.js ${process.versions.node})`);
      break;
    case "help":
    case "--help":
    case undefined:
      console.log(USAGE);
      break;
    default:
      throw new UsageError(`unknown command: ${command}`);
  }
} catch (error) {
  const usage =
    error instanceof UsageError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS");
  console.error(`sluice: ${error instanceof Error ? error.message : String(error)}`);
  if ((error as { code?: string }).code === "EADDRINUSE")
    console.error("sluice: that port is taken; choose another with --port");
  process.exit(usage ? 2 : 1);
}
