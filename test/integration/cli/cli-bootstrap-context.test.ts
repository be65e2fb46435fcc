import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../shared/cli/contexts.ts";
import { testEnv } from "../../env/context.ts";
import { GitFixture } from "../../helpers/git-fixture.ts";
import { tempDir } from "../../helpers/temp-dir.ts";
import { cliEnv, runCli } from "./cli-harness.ts";

const API_URL = "https://abc123def.lambda-url.eu-west-1.on.aws/";
const WEBHOOK_URL = "https://hook456.lambda-url.eu-west-1.on.aws/";

/**
 * A stand-in for the cdk CLI (SLUICE_CDK): it records its arguments and, unless told otherwise by
 * FAKE_CDK, writes the outputs file it was given as `cdk deploy --outputs-file` does. A real
 * `cdk deploy` cannot run here (no AWS account); this checks sluice's side of it: what it asks cdk
 * for, and what it does with the outputs.
 */
async function fakeCdk(dir: string) {
  const script = join(dir, "fake-cdk.mjs");
  const calls = join(dir, "calls.jsonl");
  await writeFile(
    script,
    `#!${process.execPath}
import { appendFileSync, writeFileSync } from "node:fs";
const args = process.argv.slice(2);
appendFileSync(${JSON.stringify(calls)}, JSON.stringify(args) + "\\n");
const mode = process.env.FAKE_CDK ?? "outputs";
if (mode === "fail") process.exit(3);
const at = args.indexOf("--outputs-file");
const file = at >= 0 ? args[at + 1] : undefined;
if (mode === "outputs" && file)
  writeFileSync(file, JSON.stringify({ Sluice: { ApiUrl: ${JSON.stringify(API_URL)}, WebhookUrl: ${JSON.stringify(WEBHOOK_URL)}, StateTableName: "t" } }));
`,
  );
  await chmod(script, 0o755);
  return {
    script,
    calls: async (): Promise<string[][]> =>
      (await readFile(calls, "utf8"))
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as string[]),
  };
}

describe("sluice bootstrap git (deployed) leaves a context pointing at the stack", () => {
  it("passes cdk deploy the root and an outputs file, then makes the ApiUrl the current context", async () => {
    const { git } = testEnv();
    const repo = await GitFixture.create(git, `cli-bootstrap-context/${randomUUID().slice(0, 8)}`);
    await repo.commit({ "clusters/prod/README.md": "production\n" });
    const dir = await tempDir("sluice-cli-bootstrap-context-");
    const cdk = await fakeCdk(dir);
    const config = join(dir, "config.yaml");
    await writeFile(config, "# my contexts\ncontexts:\n  - name: local\n    url: http://127.0.0.1:9292\n");
    const env = (extra: Record<string, string> = {}) =>
      cliEnv({
        SLUICE_CONFIG: config,
        SLUICE_CDK: cdk.script,
        GIT_PASSWORD: git.password,
        AWS_PROFILE: "ops",
        ...extra,
      });
    const bootstrap = ["bootstrap", "git", "--url", repo.url, "--path", "./clusters/prod"];
    const auth = ["--username", git.username];

    const deployed = await runCli([...bootstrap, ...auth], env());
    expect(deployed.stderr).toContain(`✔ context sluice-eu-west-1 now points at ${API_URL}\n`);
    expect(deployed.code).toBe(0);
    expect(deployed.stderr).toContain(WEBHOOK_URL.replace(/\/$/, ""));

    const [args] = await cdk.calls();
    expect(args?.slice(0, 2)).toEqual(["deploy", "Sluice"]);
    expect(args).toContain(`RootSourceUrl=${repo.url}`);
    expect(args).toContain("RootSourcePath=./clusters/prod");
    expect(args?.filter((a) => a === "--parameters").length).toBeGreaterThanOrEqual(4);
    const outputsFile = args?.[(args?.indexOf("--outputs-file") ?? -1) + 1];
    expect(outputsFile).toMatch(/^\/.*\.json$/);
    // A scratch file: gone once bootstrap has read it.
    expect(existsSync(outputsFile as string)).toBe(false);

    const text = await readFile(config, "utf8");
    expect(text.startsWith("# my contexts\n")).toBe(true);
    expect(parseConfig(text, config)).toEqual({
      currentContext: "sluice-eu-west-1",
      contexts: [
        { name: "local", url: "http://127.0.0.1:9292" },
        {
          name: "sluice-eu-west-1",
          url: API_URL.replace(/\/$/, ""),
          aws: { region: "eu-west-1", profile: "ops" },
        },
      ],
    });

    // The global --context names it instead.
    const named = await runCli(["--context", "prod", ...bootstrap, ...auth], env());
    expect(named.code).toBe(0);
    expect(named.stderr).toContain(`✔ context prod now points at ${API_URL}\n`);
    expect(parseConfig(await readFile(config, "utf8"), config).currentContext).toBe("prod");

    // uninstall destroys the stack and says which context now points at nothing.
    const removed = await runCli(["uninstall", "--silent"], env());
    expect(removed.code).toBe(0);
    expect((await cdk.calls()).at(-1)).toEqual(["destroy", "Sluice", "--force"]);
    expect(removed.stderr).toContain("`sluice config delete-context prod`");
  });

  it("warns with the command to run when there is no ApiUrl or the file is unreadable; a failed deploy writes nothing", async () => {
    const { git } = testEnv();
    const repo = await GitFixture.create(git, `cli-bootstrap-context/${randomUUID().slice(0, 8)}`);
    await repo.commit({ "README.md": "fleet\n" });
    const dir = await tempDir("sluice-cli-bootstrap-context-");
    const cdk = await fakeCdk(dir);
    const config = join(dir, "config.yaml");
    const env = (mode: string) =>
      cliEnv({ SLUICE_CONFIG: config, SLUICE_CDK: cdk.script, GIT_PASSWORD: git.password, FAKE_CDK: mode });
    const args = ["bootstrap", "git", "--url", repo.url, "--username", git.username];

    const silent = await runCli(args, env("none"));
    expect(silent.code).toBe(0);
    expect(silent.stderr).toContain("⚠ cdk deploy gave no ApiUrl output: no context was written\n");
    expect(silent.stderr).toContain("`sluice config set-context <name> --url <ApiUrl> --current`");
    expect(existsSync(config)).toBe(false);

    const failed = await runCli(args, env("fail"));
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain("✗ cdk deploy exited with 3;");
    expect(existsSync(config)).toBe(false);

    // The stack is deployed, so a config file sluice cannot read is a warning, not a failure.
    await writeFile(config, "contexts: {}\n");
    const unreadable = await runCli(args, env("outputs"));
    expect(unreadable.code).toBe(0);
    expect(unreadable.stderr).toContain(`⚠ no context was written: ${config}: contexts must be a list\n`);
    expect(unreadable.stderr).toContain(
      `\`sluice config set-context sluice-eu-west-1 --url ${API_URL} --current\``,
    );
    expect(await readFile(config, "utf8")).toBe("contexts: {}\n");
    expect((await cdk.calls()).length).toBe(3);
  });
});
