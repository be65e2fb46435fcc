import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { bashCompletion, completionEntries } from "../../../shared/cli/completion.ts";
import { buildProgram } from "../../../shared/cli/program.ts";
import { tempDir } from "../../helpers/temp-dir.ts";

function program() {
  const term = { out: () => {}, err: () => {}, color: false, interactive: false };
  return buildProgram({ term, env: {}, cwd: "/" }, { start: async () => 0 }).program;
}

/** Runs the completion function in a real bash for a command line ending in `words`. */
async function complete(words: string[], fakeSluice = "") {
  const dir = await tempDir("sluice-completion-");
  const script = join(dir, "completion.bash");
  writeFileSync(script, bashCompletion(program()));
  // A stand-in for the sluice binary, answering `get all -o name` as the API would.
  const bin = join(dir, "sluice");
  writeFileSync(bin, `#!/bin/sh\necho "$*" > ${dir}/args\nprintf '${fakeSluice}'\n`, { mode: 0o755 });
  const line = ["sluice", ...words];
  const array = line.map((w) => `'${w}'`).join(" ");
  const out = execFileSync(
    "bash",
    [
      "-c",
      `source ${script}; COMP_WORDS=(${array}); COMP_WORDS[0]=${bin}; COMP_CWORD=${line.length - 1}; _sluice_complete; printf '%s\\n' "\${COMPREPLY[@]}"`,
    ],
    { encoding: "utf8" },
  );
  const asked = existsSync(join(dir, "args")) ? readFileSync(join(dir, "args"), "utf8").trim() : undefined;
  return Object.assign(out.split("\n").filter(Boolean), { asked });
}

describe("shell completion", () => {
  it("is valid bash", async () => {
    const dir = await tempDir("sluice-completion-");
    const file = join(dir, "c.bash");
    writeFileSync(file, bashCompletion(program()));
    expect(() => execFileSync("bash", ["-n", file])).not.toThrow();
  });

  it("completes commands, sub-commands (aliases too) and flags", async () => {
    expect([...(await complete(["re"]))]).toEqual(["reconcile", "resume"]);
    expect([...(await complete(["get", "so"]))]).toEqual(["sources", "source"]);
    expect([...(await complete(["get", "sources", ""]))]).toEqual([
      "all",
      "git",
      "bucket",
      "oci",
      "helm",
      "chart",
    ]);
    expect([...(await complete(["reconcile", "ks", "--w"]))]).toEqual(["--with-source"]);
    expect([...(await complete(["-n", "apps", "get", "ks", "--all"]))]).toEqual(["--all-namespaces"]);
  });

  it("completes object names from the API, in the namespace given", async () => {
    const names = "kustomization/apps\\nkustomization/infra\\ngitrepository/apps-src\\n";
    const inTeam = await complete(["-n", "team", "reconcile", "kustomization", "a"], names);
    expect([...inTeam]).toEqual(["apps"]);
    expect(inTeam.asked).toBe("get all -n team -o name");
    expect([...(await complete(["suspend", "source", "git", ""], names))]).toEqual(["apps-src"]);
  });

  it("knows which kind each name argument is", () => {
    const kinds = Object.fromEntries(
      completionEntries(program()).flatMap((e) => (e.kind ? [[e.path, e.kind]] : [])),
    );
    expect(kinds["sluice get kustomizations"]).toBe("kustomization");
    expect(kinds["sluice delete source oci"]).toBe("ocirepository");
    expect(kinds["sluice tree ks"]).toBe("kustomization");
    expect(kinds["sluice create source git"]).toBe("gitrepository");
  });
});
