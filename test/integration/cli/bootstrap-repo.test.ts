import { randomUUID } from "node:crypto";
import * as fs from "node:fs";
import git from "isomorphic-git";
import http from "isomorphic-git/http/node";
import { describe, expect, it } from "vitest";
import { commitFiles } from "../../../shared/cli/bootstrap/commit-files.ts";
import { rootManifestFiles } from "../../../shared/cli/bootstrap/root-manifests.ts";
import { testEnv } from "../../env/context.ts";
import { createBareRepo } from "../../env/git-server.ts";
import { tempDir } from "../../helpers/temp-dir.ts";

describe("bootstrap writes the root configuration into the repository", () => {
  it("commits once into an empty repository, and a second run changes nothing", async () => {
    const { git: server } = testEnv();
    const name = `bootstrap/${randomUUID().slice(0, 8)}`;
    await createBareRepo(server.root, name);
    const url = `${server.url}/${name}.git`;
    const auth = { username: server.username, password: server.password };
    const files = rootManifestFiles({ url, branch: "main", path: "./clusters/prod" });
    expect(Object.keys(files).sort()).toEqual([
      "clusters/prod/flux-system/gotk-sync.yaml",
      "clusters/prod/flux-system/kustomization.yaml",
    ]);

    const first = await commitFiles({ url, branch: "main", files, message: "Add sluice root", auth });
    expect(first.changed).toBe(true);
    const again = await commitFiles({ url, branch: "main", files, message: "Add sluice root", auth });
    expect(again).toEqual({ commit: first.commit, changed: false });

    const dir = await tempDir("sluice-bootstrap-check-");
    await git.clone({ fs, http, dir, url, ref: "main", onAuth: () => auth });
    const sync = fs.readFileSync(`${dir}/clusters/prod/flux-system/gotk-sync.yaml`, "utf8");
    expect(sync).toContain("kind: GitRepository");
    expect(sync).toContain(`url: ${url}`);
    expect(sync).toContain("path: ./clusters/prod");
    const log = await git.log({ fs, dir });
    expect(log).toHaveLength(1);

    // A changed branch setting is one more commit, on top of what is there.
    const moved = await commitFiles({
      url,
      branch: "main",
      files: rootManifestFiles({ url, branch: "release", path: "./clusters/prod" }),
      message: "Track release",
      auth,
    });
    expect(moved.changed).toBe(true);
    expect(moved.commit).not.toBe(first.commit);
  });
});
