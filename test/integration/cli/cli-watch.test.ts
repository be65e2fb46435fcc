import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { testEnv } from "../../env/context.ts";
import { GitFixture } from "../../helpers/git-fixture.ts";
import { cliEnv, localRuntime, runCli, startCli } from "./cli-harness.ts";

const WATCH = { timeout: 30_000, interval: 100 };

describe("sluice watches", () => {
  it("get --watch prints a row when an object changes, events --watch each new event; Ctrl-C exits 0", {
    timeout: 120_000,
  }, async () => {
    const env = testEnv();
    const repo = await GitFixture.create(env.git, `cli-watch/${randomUUID().slice(0, 8)}`);
    const runtime = await localRuntime();
    const cli = cliEnv({ SLUICE_API_URL: runtime.url });
    // No commit yet: the first fetch fails, which is an event of its own.
    const created = await runCli(
      ["create", "source", "git", "app", "--url", repo.url, "--branch", "main"],
      cli,
    );
    expect(created.code).toBe(1);

    const get = startCli(["get", "sources", "git", "--watch"], cli);
    const events = startCli(["events", "--for", "GitRepository/app", "--watch"], cli);
    await expect
      .poll(() => get.output.stdout, WATCH)
      .toMatch(/^NAME\s+REVISION\s+SUSPENDED\s+READY\s+MESSAGE\napp\s+False\s+False\s/);
    await expect
      .poll(() => events.output.stdout, WATCH)
      .toMatch(/Warning\s+GitOperationFailed\s+GitRepository\/app/);

    const commit = await repo.commit({ "README.md": "hello\n" });
    expect((await runCli(["reconcile", "source", "git", "app"], cli)).code).toBe(0);
    await expect
      .poll(() => get.output.stdout, WATCH)
      .toMatch(new RegExp(`\\napp\\s+main@sha1:${commit}\\s+False\\s+True\\s`));
    await expect
      .poll(() => events.output.stdout, WATCH)
      .toMatch(/Normal\s+\S+\s+GitRepository\/app\s+.*main@sha1/);
    expect((await runCli(["suspend", "source", "git", "app"], cli)).code).toBe(0);
    await expect
      .poll(() => get.output.stdout, WATCH)
      .toMatch(new RegExp(`\\napp\\s+main@sha1:${commit}\\s+True\\s+True\\s`));
    // The header is printed once; later lines are rows only.
    expect(get.output.stdout.match(/^NAME/gm)).toHaveLength(1);

    get.child.kill("SIGINT");
    events.child.kill("SIGINT");
    expect(await get.exited).toBe(0);
    expect(await events.exited).toBe(0);
  });
});
