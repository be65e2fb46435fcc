import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { webhookPath } from "../../../shared/notify/webhook-path.ts";
import { cliEnv, localRuntime, runCli } from "./cli-harness.ts";

describe("sluice get receivers", () => {
  it("shows each Receiver's webhook path, which is what the Git host needs", async () => {
    const runtime = await localRuntime();
    await mkdir(join(runtime.dataDir, "secrets", "flux-system"), { recursive: true });
    await writeFile(join(runtime.dataDir, "secrets", "flux-system", "hook-token.yaml"), "token: s3cret\n");
    const env = cliEnv();
    const api = ["--api-url", runtime.url];
    const created = await runCli(
      [
        ...["create", "receiver", "github", "--type", "github", "--event", "push"],
        ...["--resource", "GitRepository/fleet", "--secret-ref", "hook-token", ...api],
      ],
      env,
    );
    expect(created.stderr).toContain("✔");
    const table = await runCli(["get", "receivers", ...api], env);
    expect(table.code).toBe(0);
    const [header, row] = table.stdout.trimEnd().split("\n");
    expect(header?.split(/\s{2,}/)).toEqual(["NAME", "WEBHOOK PATH", "SUSPENDED", "READY", "MESSAGE"]);
    const path = webhookPath({ token: "s3cret", name: "github", namespace: "flux-system" });
    expect(row?.split(/\s{2,}/).slice(0, 3)).toEqual(["github", path, "False"]);
  });
});
