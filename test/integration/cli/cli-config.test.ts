import { randomUUID } from "node:crypto";
import { readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../helpers/temp-dir.ts";
import { cliEnv, localRuntime, runCli } from "./cli-harness.ts";

async function configFile(): Promise<string> {
  return join(await tempDir("sluice-cli-config-"), "sluice", "config.yaml");
}

describe("sluice config", () => {
  it("creates, lists, switches and deletes contexts in the file, keeping what the user wrote", async () => {
    const path = await configFile();
    const env = cliEnv({ SLUICE_CONFIG: path });
    const sluice = (...args: string[]) => runCli(["config", ...args], env);

    const none = await sluice("current-context");
    expect(none.code).toBe(1);
    expect(none.stderr).toBe(
      `✗ no current context is set in ${path}; add one with \`sluice config set-context <name> --url <url> --current\`\n`,
    );

    const prod = await sluice(
      "set-context",
      "prod",
      ...["--url", "https://abc123.lambda-url.eu-west-1.on.aws/", "--profile", "ops"],
    );
    expect(prod.code).toBe(0);
    expect(prod.stderr).toBe(`✔ context prod created in ${path}\n`);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const local = await sluice("set-context", "local", "--url", "http://127.0.0.1:9292", "--current");
    expect(local.stderr).toBe(`✔ context local created and made current in ${path}\n`);

    // A comment and a key sluice does not know, added by hand, survive the next edit.
    await writeFile(path, `# mine\n${await readFile(path, "utf8")}team: platform\n`);
    expect((await sluice("set-context", "prod", "--kubeconfig", "/etc/kube/prod")).code).toBe(0);
    const text = await readFile(path, "utf8");
    expect(text.startsWith("# mine\n")).toBe(true);
    expect(text).toContain("team: platform");

    const table = await sluice("get-contexts");
    expect(table.code).toBe(0);
    expect(table.stdout).toBe(
      [
        "CURRENT   NAME    URL                                          AWS REGION   PROFILE   KUBECONFIG",
        "          prod    https://abc123.lambda-url.eu-west-1.on.aws   eu-west-1    ops       /etc/kube/prod",
        "*         local   http://127.0.0.1:9292                        -            -         -",
        "",
      ].join("\n"),
    );
    expect(JSON.parse((await sluice("get-contexts", "-o", "json")).stdout)).toEqual([
      {
        name: "prod",
        url: "https://abc123.lambda-url.eu-west-1.on.aws",
        aws: { region: "eu-west-1", profile: "ops" },
        kubeconfig: "/etc/kube/prod",
        current: false,
      },
      { name: "local", url: "http://127.0.0.1:9292", current: true },
    ]);
    expect((await sluice("get-contexts", "-o", "name")).stdout).toBe("prod\nlocal\n");

    expect((await sluice("use-context", "prod")).code).toBe(0);
    const current = await sluice("current-context");
    expect(current.code).toBe(0);
    expect(current.stdout).toBe("prod\n");

    const deleted = await sluice("delete-context", "prod");
    expect(deleted.code).toBe(0);
    expect(deleted.stderr).toContain("it was the current one");
    const view = JSON.parse((await sluice("view", "-o", "json")).stdout);
    expect(view).toEqual({ contexts: [{ name: "local", url: "http://127.0.0.1:9292" }] });
    expect((await sluice("current-context")).code).toBe(1);
  });

  it("names the known contexts for an unknown one, as a usage error (exit 2), and changes nothing", async () => {
    const path = await configFile();
    const env = cliEnv({ SLUICE_CONFIG: path });
    await runCli(["config", "set-context", "local", "--url", "http://127.0.0.1:9292", "--current"], env);
    const before = await readFile(path, "utf8");

    const use = await runCli(["config", "use-context", "prod"], env);
    expect(use.code).toBe(2);
    expect(use.stderr).toBe("✗ no context named 'prod'; known contexts: local\n");
    const remove = await runCli(["config", "delete-context", "prod"], env);
    expect(remove.code).toBe(2);
    const bare = await runCli(["config", "set-context", "prod", "--region", "eu-west-1"], env);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toMatch(/^✗ there is no context 'prod' yet: a new one needs --url; /);
    expect(await readFile(path, "utf8")).toBe(before);
  });

  it("writes where --config says, and a context it set is the one `sluice get all` talks to", async () => {
    const runtime = await localRuntime();
    const name = `config-ctx-${randomUUID().slice(0, 8)}`;
    const registered = await fetch(`${runtime.url}/v1/objects/GitRepository/flux-system/${name}`, {
      method: "PUT",
      body: `apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: ${name}\n  namespace: flux-system\nspec:\n  interval: 1h\n  url: https://git.example/fleet.git\n  suspend: true\n`,
    });
    expect(registered.status).toBe(200);

    const path = await configFile();
    // SLUICE_CONFIG points elsewhere: --config wins for both the edit and the read.
    const env = cliEnv();
    const set = await runCli(
      ["--config", path, "config", "set-context", "dev", "--url", runtime.url, "--current"],
      env,
    );
    expect(set.code).toBe(0);
    const listed = await runCli(["get", "all", "--config", path], env);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`^gitrepository/${name}\\s`, "m"));

    const elsewhere = await runCli(["get", "all", "--config", path, "--context", "prod"], env);
    expect(elsewhere.code).toBe(2);
    expect(elsewhere.stderr).toBe("✗ no context named 'prod'; known contexts: dev\n");
  });
});
