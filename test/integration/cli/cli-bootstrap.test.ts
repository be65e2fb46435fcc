import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { testEnv } from "../../env/context.ts";
import { GitFixture } from "../../helpers/git-fixture.ts";
import { tempDir } from "../../helpers/temp-dir.ts";
import { cliEnv, runCli, startCli } from "./cli-harness.ts";

describe("sluice bootstrap git --local and uninstall --local", () => {
  it("writes the root once, runs sluice on it, and uninstall removes the local state", async () => {
    const { git } = testEnv();
    const repo = await GitFixture.create(git, `cli-bootstrap/${randomUUID().slice(0, 8)}`);
    await repo.commit({ "clusters/dev/README.md": "this cluster's configuration\n" });
    const dataDir = join(await tempDir("sluice-cli-bootstrap-"), "state");
    const env = cliEnv({ GIT_PASSWORD: git.password });
    const args = [
      "bootstrap",
      "git",
      ...["--url", repo.url, "--path", "./clusters/dev", "--username", git.username],
      ...["--local", "--data-dir", dataDir, "--port", "0"],
    ];

    const first = startCli(args, env);
    await expect
      .poll(() => first.output.stdout, { timeout: 30_000 })
      .toMatch(/API\s+http:\/\/127\.0\.0\.1:\d+/);
    expect(first.output.stderr).toMatch(/✔ committed [0-9a-f]{12} to main/);
    const api = first.output.stdout.match(/http:\/\/127\.0\.0\.1:\d+/)?.[0];
    // The root sluice runs is the one bootstrap wrote, and it syncs.
    await expect
      .poll(
        async () => {
          const response = await fetch(`${api}/v1/objects/Kustomization/flux-system/flux-system`);
          if (response.status !== 200) return undefined;
          const view = (await response.json()) as {
            status: { conditions?: { type: string; status: string }[] };
          };
          return view.status.conditions?.find((c) => c.type === "Ready")?.status;
        },
        { timeout: 30_000 },
      )
      .toBe("True");
    first.child.kill("SIGINT");
    expect(await first.exited).toBe(0);

    // Idempotent: a second bootstrap commits nothing.
    const second = startCli(args, env);
    await expect.poll(() => second.output.stdout, { timeout: 30_000 }).toMatch(/API\s+http/);
    expect(second.output.stderr).toContain("already holds this root: nothing to commit");
    second.child.kill("SIGINT");
    expect(await second.exited).toBe(0);

    const refused = await runCli(["uninstall", "--local", "--data-dir", dataDir], env);
    expect(refused.code).toBe(2);
    expect(existsSync(dataDir)).toBe(true);
    const removed = await runCli(["uninstall", "--local", "--data-dir", dataDir, "--silent"], env);
    expect(removed.code).toBe(0);
    expect(existsSync(dataDir)).toBe(false);
  });
});
