import { chmod, readdir, readFile, stat, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseDocument } from "yaml";
import { deleteContext, setContext, updateConfig, useContext } from "../../../shared/cli/config-file.ts";
import { parseConfig } from "../../../shared/cli/contexts.ts";
import { CliError } from "../../../shared/cli/errors.ts";
import { tempDir } from "../../helpers/temp-dir.ts";

const COMMENTED = `# written by hand
current-context: local # where commands go
contexts:
  # the runtime on this laptop
  - name: local
    url: http://127.0.0.1:9292
    color: blue # a key sluice does not know
  - name: prod
    url: https://abc.lambda-url.eu-west-1.on.aws
    aws: { region: eu-west-1, profile: ops }
editor: vim
`;

function usage(run: () => unknown): CliError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(CliError);
    return error as CliError;
  }
  throw new Error("expected a usage error");
}

describe("editing the config file's document", () => {
  it("creates a context in an empty document, taking the region from a function URL", () => {
    const doc = parseDocument("");
    expect(setContext(doc, "prod", { url: "https://xyz.lambda-url.ap-southeast-2.on.aws/" })).toBe("created");
    useContext(doc, "prod");
    expect(parseConfig(doc.toString(), "c.yaml")).toEqual({
      currentContext: "prod",
      contexts: [
        {
          name: "prod",
          url: "https://xyz.lambda-url.ap-southeast-2.on.aws",
          aws: { region: "ap-southeast-2" },
        },
      ],
    });
    // current-context goes first, as people write it.
    expect(doc.toString().split("\n")[0]).toBe("current-context: prod");
  });

  it("changes only the given fields of an existing context, keeping comments and unknown keys", () => {
    const doc = parseDocument(COMMENTED);
    expect(setContext(doc, "prod", { profile: "deploy", kubeconfig: "/k/prod" })).toBe("updated");
    expect(setContext(doc, "local", { url: "http://127.0.0.1:9393/" })).toBe("updated");
    const text = doc.toString();
    for (const kept of [
      "# written by hand",
      "# where commands go",
      "# the runtime on this laptop",
      "color: blue # a key sluice does not know",
      "editor: vim",
    ])
      expect(text).toContain(kept);
    expect(parseConfig(text, "c.yaml").contexts).toEqual([
      { name: "local", url: "http://127.0.0.1:9393" },
      {
        name: "prod",
        url: "https://abc.lambda-url.eu-west-1.on.aws",
        aws: { region: "eu-west-1", profile: "deploy" },
        kubeconfig: "/k/prod",
      },
    ]);
  });

  it("follows a new function URL's region unless --region says otherwise", () => {
    const doc = parseDocument(COMMENTED);
    setContext(doc, "prod", { url: "https://abc.lambda-url.us-east-2.on.aws" });
    expect(parseConfig(doc.toString(), "c.yaml").contexts[1]?.aws).toEqual({
      region: "us-east-2",
      profile: "ops",
    });
    setContext(doc, "prod", { url: "https://abc.lambda-url.us-east-2.on.aws", region: "eu-central-1" });
    expect(parseConfig(doc.toString(), "c.yaml").contexts[1]?.aws?.region).toBe("eu-central-1");
  });

  it("adds to `contexts: []` in block style", () => {
    const doc = parseDocument("contexts: []\n");
    setContext(doc, "local", { url: "http://127.0.0.1:9292" });
    expect(doc.toString()).toBe("contexts:\n  - name: local\n    url: http://127.0.0.1:9292\n");
  });

  it("refuses, as usage errors: a new context without --url, a profile with no region, a bad URL", () => {
    const doc = parseDocument(COMMENTED);
    expect(usage(() => setContext(doc, "staging", { region: "eu-west-1" })).reason).toBe("Usage");
    expect(
      usage(() => setContext(doc, "other", { url: "http://10.0.0.1:9292", profile: "ops" })).message,
    ).toMatch(/no AWS region for --profile/);
    expect(usage(() => setContext(doc, "local", { profile: "ops" })).message).toMatch(/no AWS region/);
    expect(usage(() => setContext(doc, "x", { url: "ftp://host" })).message).toMatch(/http\(s\) URL/);
    expect(usage(() => setContext(doc, "x", { url: "http://h", region: "" })).message).toMatch(
      /--region must not be empty/,
    );
    expect(doc.toString()).toBe(COMMENTED);
  });

  it("uses a known context and names the known ones for an unknown one", () => {
    const doc = parseDocument(COMMENTED);
    useContext(doc, "prod");
    expect(doc.toString()).toContain("current-context: prod # where commands go");
    const error = usage(() => useContext(doc, "staging"));
    expect(error.reason).toBe("Usage");
    expect(error.hint).toBe("known contexts: local, prod");
  });

  it("puts a new current-context first, under the file's header comment", () => {
    const doc = parseDocument("# header\n\n# the list\ncontexts:\n  - name: a\n    url: http://h\n");
    useContext(doc, "a");
    expect(doc.toString()).toBe(
      "# header\ncurrent-context: a\n\n# the list\ncontexts:\n  - name: a\n    url: http://h\n",
    );
  });

  it("deletes a context, and current-context with it when it named it", () => {
    const doc = parseDocument(COMMENTED);
    expect(deleteContext(doc, "prod")).toEqual({ wasCurrent: false });
    expect(parseConfig(doc.toString(), "c.yaml").currentContext).toBe("local");
    expect(deleteContext(doc, "local")).toEqual({ wasCurrent: true });
    expect(parseConfig(doc.toString(), "c.yaml")).toEqual({ contexts: [] });
    expect(doc.toString()).toContain("editor: vim");
    expect(usage(() => deleteContext(doc, "local")).message).toBe("no context named 'local'");
  });
});

describe("updateConfig", () => {
  it("creates a private folder and a 0600 file, and leaves no temporary file behind", async () => {
    const dir = join(await tempDir("sluice-config-file-"), "nested", "sluice");
    const path = join(dir, "config.yaml");
    await updateConfig(path, (doc) => setContext(doc, "local", { url: "http://127.0.0.1:9292" }));
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readdir(dir)).toEqual(["config.yaml"]);
    expect(parseConfig(await readFile(path, "utf8"), path).contexts).toEqual([
      { name: "local", url: "http://127.0.0.1:9292" },
    ]);
  });

  it("keeps an existing file's comments and mode, and edits through a symlink", async () => {
    const dir = await tempDir("sluice-config-file-");
    const real = join(dir, "dotfiles-config.yaml");
    await writeFile(real, COMMENTED);
    await chmod(real, 0o640);
    const link = join(dir, "config.yaml");
    await symlink(real, link);
    await updateConfig(link, (doc) => useContext(doc, "prod"));
    const text = await readFile(real, "utf8");
    expect(text).toBe(COMMENTED.replace("current-context: local", "current-context: prod"));
    expect((await stat(real)).mode & 0o777).toBe(0o640);
    expect(await readFile(link, "utf8")).toBe(text);
  });

  it("refuses to write a result parseConfig would refuse, leaving the file as it was", async () => {
    const path = join(await tempDir("sluice-config-file-"), "config.yaml");
    await writeFile(path, COMMENTED);
    const edit = updateConfig(path, (doc) => {
      doc.setIn(["contexts", 0, "aws"], doc.createNode({ profile: "ops" }));
    });
    await expect(edit).rejects.toThrow(/refusing to write an invalid config: .*aws.region is required/);
    await expect(edit).rejects.toMatchObject({ reason: "Invalid" });
    expect(await readFile(path, "utf8")).toBe(COMMENTED);
    expect(await readdir(join(path, ".."))).toEqual(["config.yaml"]);
  });

  it("refuses to edit a file the CLI cannot read, naming the problem", async () => {
    const path = join(await tempDir("sluice-config-file-"), "config.yaml");
    await writeFile(path, "contexts: {}\n");
    await expect(updateConfig(path, (doc) => useContext(doc, "x"))).rejects.toThrow(
      /contexts must be a list/,
    );
    expect(await readFile(path, "utf8")).toBe("contexts: {}\n");
  });
});
