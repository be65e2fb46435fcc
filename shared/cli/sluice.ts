#!/usr/bin/env node
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
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
               --port <port>      HTTP API port on 127.0.0.1 (default 9292)
  version    print the version

example:
  npm start -- --data-dir /tmp/sluice --port 9393`;

async function start(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      "data-dir": { type: "string", default: ".sluice" },
      port: { type: "string", default: "9292" },
    },
    strict: true,
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new UsageError(`--port must be a port number, got ${values.port}`);
  const dataDir = resolve(values["data-dir"]);
  const runtime = await startLocalRuntime({ dataDir, port, logger: consoleLogger });
  console.log(`sluice ${pkg.version} (Node.js ${process.versions.node}) running`);
  console.log(
    `  API        ${runtime.url}  (PUT a manifest to /v1/objects/<kind>/<ns>/<name>; GET /v1/objects, GET /v1/events, POST …/reconcile)`,
  );
  console.log(`  data       ${dataDir}`);
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
