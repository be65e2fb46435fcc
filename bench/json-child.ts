import { spawn } from "node:child_process";

/**
 * Runs `node …args` as a process of its own (so its time and peak memory are its own), with its
 * stderr on ours, and resolves with the JSON it printed on stdout; rejects naming `label` when it
 * exits with an error.
 */
export function runJsonChild<T>(args: readonly string[], label: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      out += chunk;
    });
    child.once("error", reject);
    child.once("close", (code) =>
      code === 0 ? resolve(JSON.parse(out) as T) : reject(new Error(`${label} exited ${code}`)),
    );
  });
}
