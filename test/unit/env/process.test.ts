import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { EnvError } from "../../env/errors.ts";
import { isRunning, reapOrphans, startProcess } from "../../env/process.ts";
import { waitUntilReady } from "../../env/wait.ts";
import { tempDir } from "../../helpers/temp-dir.ts";

async function pidsInFile(file: string, count: number): Promise<number[]> {
  await expect
    .poll(async () => (await readFile(file, "utf8").catch(() => "")).trim().split("\n").length)
    .toBe(count);
  return (await readFile(file, "utf8")).trim().split("\n").map(Number);
}

describe("managed processes", () => {
  it("stops the whole process group, including what the server forked", async () => {
    const logDir = await tempDir("sluice-proc-");
    const pids = join(logDir, "pids");
    const proc = startProcess({
      name: "forker",
      command: "sh",
      args: ["-c", `sleep 300 & echo $! > ${pids}; sleep 300 & echo $! >> ${pids}; wait`],
      logDir,
    });
    const children = await pidsInFile(pids, 2);
    expect(children.every(isRunning)).toBe(true);
    await proc.stop();
    expect(proc.exited()).toBe(true);
    await expect.poll(() => children.some(isRunning)).toBe(false);
  });

  it("reports a server that dies during start-up with its last log lines", async () => {
    const logDir = await tempDir("sluice-proc-");
    const proc = startProcess({
      name: "crasher",
      command: "sh",
      args: ["-c", "echo 'bind: address in use' >&2; exit 3"],
      logDir,
    });
    const error = await waitUntilReady(proc, async () => false, { timeoutMs: 10_000 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(EnvError);
    expect((error as Error).message).toMatch(/crasher exited during start-up: bind: address in use/);
  });

  it("reaps servers left behind by a test run that was killed outright", async () => {
    // A child runner starts a server, then SIGKILLs itself so none of its exit hooks run.
    const helper = fileURLToPath(new URL("./fixtures/abandon-server.ts", import.meta.url));
    const runner = spawn(process.execPath, [helper, await tempDir("sluice-abandon-")], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    runner.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      out += chunk;
    });
    await new Promise((resolve) => runner.once("exit", resolve));
    const orphan = Number(out.trim());
    expect(orphan).toBeGreaterThan(0);
    expect(isRunning(orphan)).toBe(true);

    expect(reapOrphans()).toBeGreaterThanOrEqual(1);
    await expect.poll(() => isRunning(orphan)).toBe(false);
  });
});
