import { spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it, onTestFinished } from "vitest";
import { openDatabase } from "../../shared/adapters/local/database.ts";
import { SqliteStateStore } from "../../shared/adapters/local/sqlite-state-store.ts";
import { ReconcilerRegistry } from "../../shared/reconcile/registry.ts";
import { startLocalRuntime } from "../../shared/runtime/local-runtime.ts";
import { ProbeReconciler } from "../fixtures/probe-reconciler.ts";
import { tempDir } from "../helpers/temp-dir.ts";

const cli = fileURLToPath(new URL("../../shared/cli/main.ts", import.meta.url));

describe("local runtime", () => {
  it("schedules, reconciles and serves status over HTTP, then stops with every lease released", async () => {
    const dataDir = await tempDir("sluice-runtime-");
    const runtime = await startLocalRuntime({
      dataDir,
      port: 0,
      tickMs: 100,
      registry: new ReconcilerRegistry([new ProbeReconciler()]),
    });
    let stopped = false;
    onTestFinished(async () => {
      if (!stopped) await runtime.stop();
    });
    // A second connection, as `sluice` tooling or the GitOps sync would register objects.
    const database = openDatabase({ path: join(dataDir, "sluice.db") });
    onTestFinished(() => database.close());
    const state = new SqliteStateStore({ database });
    const key = { kind: "Probe", namespace: "default", name: "web" };
    await state.putObject({
      key,
      apiVersion: "test.sluice.dev/v1",
      metadata: {},
      spec: { interval: "1h", message: "live" },
    });

    const ready = async () => {
      const response = await fetch(`${runtime.url}/v1/objects/Probe/default/web`);
      const body = (await response.json()) as {
        status: { conditions?: { type: string; status: string; message: string }[] };
      };
      return body.status.conditions?.find((c) => c.type === "Ready");
    };
    await expect
      .poll(ready, { timeout: 20_000, interval: 100 })
      .toMatchObject({ status: "True", message: "probe live" });
    const events = (await (await fetch(`${runtime.url}/v1/events?object=Probe/default/web`)).json()) as {
      items: unknown[];
    };
    expect(events.items).toEqual([expect.objectContaining({ reason: "ReconciliationSucceeded" })]);

    await runtime.stop();
    stopped = true;
    // Nothing is held after a clean stop: another worker can take the object at once.
    expect(await state.acquireLease({ key, holder: "next", now: Date.now(), ttlMs: 1_000 })).toBeDefined();
    await expect(fetch(`${runtime.url}/healthz`)).rejects.toThrow();
  });

  it("`sluice start` runs until SIGINT and exits 0; a bad flag exits 2 with one line", async () => {
    const dataDir = await tempDir("sluice-cli-");
    const child = spawn(process.execPath, [cli, "start", "--data-dir", dataDir, "--port", "0", "--no-dev"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    onTestFinished(() => {
      child.kill("SIGKILL");
    });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      out += chunk;
    });
    await expect.poll(() => out, { timeout: 20_000 }).toMatch(/API\s+http:\/\/127\.0\.0\.1:\d+/);
    const url = out.match(/http:\/\/127\.0\.0\.1:\d+/)?.[0];
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    child.kill("SIGINT");
    expect(await exited).toBe(0);

    const bad = spawn(process.execPath, [cli, "start", "--port", "seventy"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let err = "";
    bad.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      err += chunk;
    });
    expect(await new Promise((resolve) => bad.once("exit", resolve))).toBe(2);
    expect(err.trim()).toBe("✗ --port must be a port number, got seventy; see `sluice start --help`");
  });
});
