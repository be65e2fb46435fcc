import { describe, expect, it } from "vitest";
import { applyIgnoreRules } from "../../../shared/sources/ignore-rules.ts";
import { memoryFile } from "../../../shared/sources/source-file.ts";

const tree = (paths: Record<string, string>) => Object.entries(paths).map(([p, body]) => memoryFile(p, body));
const paths = (files: { path: string }[]) => files.map((f) => f.path).sort();

describe("applyIgnoreRules", () => {
  it("lets spec.ignore overrule a .sourceignore, and keeps VCS files for buckets (no defaults)", async () => {
    const bucket = tree({ ".sourceignore": "!keep.txt\n", "keep.txt": "", ".git/x": "", "a.yaml": "" });
    expect(paths(await applyIgnoreRules(bucket, { spec: "*.txt\n", defaults: false }))).toEqual([
      ".git/x",
      ".sourceignore",
      "a.yaml",
    ]);
  });

  const files = tree({
    "apps/app.yaml": "",
    "apps/logo.png": "",
    ".github/workflows/ci.yaml": "",
    ".git/config": "",
    ".gitignore": "",
    "nested/.sops.yaml": "",
    "docs/readme.md": "",
  });

  it("drops Flux's default exclusions for Git and OCI sources", async () => {
    expect(paths(await applyIgnoreRules(files, { defaults: true }))).toEqual([
      "apps/app.yaml",
      "docs/readme.md",
    ]);
  });

  it("replaces the defaults (but never the VCS files) with spec.ignore", async () => {
    expect(paths(await applyIgnoreRules(files, { spec: "docs/\n", defaults: true }))).toEqual([
      ".github/workflows/ci.yaml",
      "apps/app.yaml",
      "apps/logo.png",
      "nested/.sops.yaml",
    ]);
  });

  it("applies .sourceignore files to their own folder, deeper ones able to re-include", async () => {
    const withIgnores = tree({
      ".sourceignore": "*.txt\n# comment\n",
      "a/keep.txt": "",
      "a/.sourceignore": "!keep.txt\nlocal.yaml\n",
      "a/local.yaml": "",
      "b/local.yaml": "",
      "b/notes.txt": "",
    });
    expect(paths(await applyIgnoreRules(withIgnores, { defaults: false }))).toEqual([
      ".sourceignore",
      "a/.sourceignore",
      "a/keep.txt",
      "b/local.yaml",
    ]);
  });
});
