import * as fs from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import git from "isomorphic-git";
import http from "isomorphic-git/http/node";
import { describe, expect, it } from "vitest";
import { testEnv } from "../../env/context.ts";
import { createBareRepo, PRIVATE_PREFIX } from "../../env/git-server.ts";
import { tempDir } from "../../helpers/temp-dir.ts";

const author = { name: "Smoke Test", email: "smoke@sluice.test" };

async function commitAndPush(options: {
  url: string;
  onAuth?: () => { username: string; password: string };
}) {
  const dir = await tempDir("sluice-git-");
  await git.init({ fs, dir, defaultBranch: "main" });
  await writeFile(join(dir, "README.md"), "hello\n");
  await git.add({ fs, dir, filepath: "README.md" });
  const oid = await git.commit({ fs, dir, message: "first", author });
  await git.push({ fs, http, dir, url: options.url, ref: "main", onAuth: options.onAuth });
  return oid;
}

describe("git http-backend", () => {
  const env = testEnv();
  const login = () => ({ username: env.git.username, password: env.git.password });

  it("clones an open repository without credentials after an authenticated push", async () => {
    await createBareRepo(env.git.root, "open/app");
    const url = `${env.git.url}/open/app.git`;
    const oid = await commitAndPush({ url, onAuth: login });
    const dir = await tempDir("sluice-clone-");
    await git.clone({ fs, http, dir, url, ref: "main", singleBranch: true, depth: 1 });
    expect(await git.resolveRef({ fs, dir, ref: "HEAD" })).toBe(oid);
    expect(await readFile(join(dir, "README.md"), "utf8")).toBe("hello\n");
  });

  it("refuses an anonymous push, even to an open repository", async () => {
    await createBareRepo(env.git.root, "open/readonly");
    const url = `${env.git.url}/open/readonly.git`;
    await expect(commitAndPush({ url })).rejects.toMatchObject({
      code: "HttpError",
      data: { statusCode: 401 },
    });
  });

  it("pushes to and clones from a private repository with basic auth", async () => {
    await createBareRepo(env.git.root, `${PRIVATE_PREFIX}team/app`);
    const url = `${env.git.url}/${PRIVATE_PREFIX}team/app.git`;
    const oid = await commitAndPush({ url, onAuth: login });
    const dir = await tempDir("sluice-clone-");
    await git.clone({ fs, http, dir, url, ref: "main", singleBranch: true, onAuth: login });
    expect(await git.resolveRef({ fs, dir, ref: "HEAD" })).toBe(oid);
  });

  it("refuses a private repository without credentials", async () => {
    await createBareRepo(env.git.root, `${PRIVATE_PREFIX}team/closed`);
    const url = `${env.git.url}/${PRIVATE_PREFIX}team/closed.git`;
    await expect(git.listServerRefs({ http, url })).rejects.toMatchObject({
      code: "HttpError",
      data: { statusCode: 401 },
    });
  });

  it("refuses a wrong password", async () => {
    await createBareRepo(env.git.root, `${PRIVATE_PREFIX}team/guarded`);
    const url = `${env.git.url}/${PRIVATE_PREFIX}team/guarded.git`;
    const wrong = () => ({ username: env.git.username, password: "wrong" });
    // After one refused onAuth, isomorphic-git asks onAuthFailure, which we leave unset: it gives up.
    await expect(git.listServerRefs({ http, url, onAuth: wrong })).rejects.toMatchObject({
      code: "HttpError",
      data: { statusCode: 401 },
    });
  });
});
