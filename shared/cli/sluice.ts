#!/usr/bin/env node
import { readFileSync } from "node:fs";

/**
 * The `sluice` command. For now it only knows its version and says plainly that the local
 * runtime is not built yet; the control-plane work turns `start` into the embedded runtime.
 */
const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
  version: string;
};
const [command] = process.argv.slice(2);

switch (command) {
  case "version":
  case "--version":
    console.log(`sluice ${pkg.version} (Node.js ${process.versions.node})`);
    break;
  case "start":
    console.log(
      `sluice ${pkg.version} on Node.js ${process.versions.node}: the local runtime is not built yet.\n` +
        "What works today is the test environment: `npm test` runs the suite against real servers,\n" +
        "and `npm run env:up` starts those servers until Ctrl-C so you can look around.",
    );
    break;
  default:
    console.error(`usage: sluice <start|version>${command ? ` (unknown command: ${command})` : ""}`);
    process.exit(2);
}
