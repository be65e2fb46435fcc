import { readdir } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { findCondition } from "../../../shared/api/conditions.ts";
import { conditionsOf } from "../../../shared/reconcile/status.ts";
import { artifactOf } from "../../../shared/sources/artifact/publish.ts";
import { GitRepositoryReconciler } from "../../../shared/sources/git/reconciler.ts";
import type { SourceLimits } from "../../../shared/sources/source-deps.ts";
import { testEnv } from "../../env/context.ts";
import { PRIVATE_PREFIX } from "../../env/git-server.ts";
import { GitFixture } from "../../helpers/git-fixture.ts";
import { sourceHarness } from "../../helpers/source-harness.ts";

const env = testEnv();
let repos = 0;

/** A fresh repository on the test server, under `private/` when asked. */
function newRepo(options: { private?: boolean } = {}) {
  repos++;
  return GitFixture.create(
    env.git,
    `${options.private ? PRIVATE_PREFIX : ""}sources/repo-${process.pid}-${repos}`,
  );
}

async function setup(options: { limits?: Partial<SourceLimits>; cache?: boolean } = {}) {
  const t = await sourceHarness({
    kind: "GitRepository",
    reconciler: (deps) => new GitRepositoryReconciler(deps),
    specDefaults: { interval: "1m" },
    limits: options.limits,
    cache: options.cache,
  });
  /** What the artifact store holds, to show a no-op poll stored nothing. */
  const storedArtifacts = (): Promise<string[]> =>
    readdir(join(t.dataDir, "artifacts", "sha256")).catch(() => []);
  return { ...t, storedArtifacts };
}

describe("GitRepository: refs", () => {
  it("fetches a branch, with Flux's revision and default exclusions", async () => {
    const repo = await newRepo();
    const oid = await repo.commit({
      "deploy/app.yaml": "kind: ConfigMap\n",
      "README.md": "hi\n",
      ".github/workflows/ci.yaml": "on: push\n",
      "logo.png": "png",
    });
    const t = await setup();
    const { ready, object } = await t.poll(await t.put("app", { url: repo.url, ref: { branch: "main" } }));
    expect(ready).toMatchObject({
      status: "True",
      message: `stored artifact for revision 'main@sha1:${oid}'`,
    });
    const artifact = artifactOf(object);
    expect(artifact?.revision).toBe(`main@sha1:${oid}`);
    expect(await t.files(artifact)).toEqual({ "deploy/app.yaml": "kind: ConfigMap\n", "README.md": "hi\n" });
    expect(findCondition(conditionsOf(object.status), "ArtifactInStorage")?.status).toBe("True");
  });

  it("defaults to the master branch", async () => {
    const repo = await newRepo();
    await repo.commit({ "a.txt": "on main\n" });
    await repo.branch("master");
    const oid = await repo.commit({ "a.txt": "on master\n" });
    const t = await setup();
    const { object } = await t.poll(await t.put("app", { url: repo.url }));
    expect(artifactOf(object)?.revision).toBe(`master@sha1:${oid}`);
    expect(await t.files(artifactOf(object))).toEqual({ "a.txt": "on master\n" });
  });

  it("fetches a lightweight tag and an annotated tag (peeled to its commit)", async () => {
    const repo = await newRepo();
    const first = await repo.commit({ "v.txt": "1\n" });
    await repo.tag("v1.0.0");
    const second = await repo.commit({ "v.txt": "2\n" });
    await repo.tag("v2.0.0", { annotated: true });
    await repo.commit({ "v.txt": "3\n" });
    const t = await setup();
    const light = await t.poll(await t.put("light", { url: repo.url, ref: { tag: "v1.0.0" } }));
    expect(artifactOf(light.object)?.revision).toBe(`v1.0.0@sha1:${first}`);
    expect(await t.files(artifactOf(light.object))).toEqual({ "v.txt": "1\n" });
    const annotated = await t.poll(await t.put("annotated", { url: repo.url, ref: { tag: "v2.0.0" } }));
    expect(artifactOf(annotated.object)?.revision).toBe(`v2.0.0@sha1:${second}`);
    expect(await t.files(artifactOf(annotated.object))).toEqual({ "v.txt": "2\n" });
  });

  it("picks the highest tag in a semver range, and says so when none matches", async () => {
    const repo = await newRepo();
    const commits: Record<string, string> = {};
    for (const tag of ["v1.0.0", "v1.2.0", "1.3.0-rc.1", "v2.0.0", "not-a-version"]) {
      commits[tag] = await repo.commit({ "v.txt": `${tag}\n` });
      await repo.tag(tag, { annotated: tag === "v1.2.0" });
    }
    const t = await setup();
    const picked = await t.poll(await t.put("range", { url: repo.url, ref: { semver: ">=1.0.0, <2.0.0" } }));
    expect(artifactOf(picked.object)?.revision).toBe(`v1.2.0@sha1:${commits["v1.2.0"]}`);
    // semver wins over tag and branch.
    const precedence = await t.poll(
      await t.put("precedence", { url: repo.url, ref: { branch: "main", tag: "v1.0.0", semver: "^2" } }),
    );
    expect(artifactOf(precedence.object)?.revision).toBe(`v2.0.0@sha1:${commits["v2.0.0"]}`);
    const none = await t.poll(await t.put("none", { url: repo.url, ref: { semver: ">=3.0.0" } }));
    expect(none.ready).toMatchObject({ status: "False", reason: "GitOperationFailed" });
    expect(none.ready?.message).toContain("no tag in");
    expect(none.ready?.message).toContain(
      "matches semver range '>=3.0.0'; tags there: v2.0.0, 1.3.0-rc.1, v1.2.0",
    );
  });

  it("fetches any ref by name, such as a pull request head", async () => {
    const repo = await newRepo();
    await repo.commit({ "a.txt": "main\n" });
    await repo.branch("feature");
    const pr = await repo.commit({ "a.txt": "proposed\n" });
    await repo.push({ remoteRef: "refs/pull/1/head", oid: pr });
    const t = await setup();
    const { object } = await t.poll(
      await t.put("pr", { url: repo.url, ref: { branch: "main", name: "refs/pull/1/head" } }),
    );
    expect(artifactOf(object)?.revision).toBe(`refs/pull/1/head@sha1:${pr}`);
    expect(await t.files(artifactOf(object))).toEqual({ "a.txt": "proposed\n" });
  });

  it("checks out a pinned commit, with or without its branch", async () => {
    const repo = await newRepo();
    const old = await repo.commit({ "a.txt": "old\n" });
    await repo.commit({ "a.txt": "new\n" });
    const t = await setup();
    const pinned = await t.poll(
      await t.put("pinned", { url: repo.url, ref: { branch: "main", commit: old } }),
    );
    expect(artifactOf(pinned.object)?.revision).toBe(`main@sha1:${old}`);
    expect(await t.files(artifactOf(pinned.object))).toEqual({ "a.txt": "old\n" });
    const bare = await t.poll(await t.put("bare", { url: repo.url, ref: { commit: old } }));
    expect(artifactOf(bare.object)?.revision).toBe(`sha1:${old}`);
    // A second poll of a pinned commit needs no network at all.
    t.meter.reset();
    const again = await t.poll(bare.object.key);
    expect(again.run).toMatchObject({ outcome: "reconciled", statusWritten: false });
    expect(t.meter.requests).toBe(0);
    const missing = await t.poll(
      await t.put("missing", { url: repo.url, ref: { commit: "0".repeat(40), branch: "main" } }),
    );
    expect(missing.ready).toMatchObject({ status: "False", reason: "GitOperationFailed" });
    expect(missing.ready?.message).toContain(`commit '${"0".repeat(40)}' not found in branch 'main'`);
  });
});

describe("GitRepository: polling", () => {
  for (const cache of [false, true]) {
    it(`picks up a new commit, lists refs only when nothing moved, and follows a force-push back${cache ? " (cached repository)" : ""}`, async () => {
      const repo = await newRepo();
      const first = await repo.commit({ "a.txt": "1\n" });
      const t = await setup({ cache });
      const key = await t.put("app", { url: repo.url, ref: { branch: "main" } });
      const one = await t.poll(key);
      expect(artifactOf(one.object)?.revision).toBe(`main@sha1:${first}`);

      const second = await repo.commit({ "a.txt": "2\n", "b.txt": "new file\n" });
      const two = await t.poll(key);
      expect(artifactOf(two.object)?.revision).toBe(`main@sha1:${second}`);
      expect(await t.files(artifactOf(two.object))).toEqual({ "a.txt": "2\n", "b.txt": "new file\n" });

      // Nothing new: one ls-refs exchange (protocol v2: capabilities, then the listing), no pack.
      const stored = await t.storedArtifacts();
      t.meter.reset();
      const three = await t.poll(key);
      expect(three.run).toMatchObject({ outcome: "reconciled", ready: true, statusWritten: false });
      expect(t.meter.requests).toBe(2);
      expect(t.meter.bytesIn).toBeLessThan(1024);
      expect(await t.storedArtifacts()).toEqual(stored);
      expect(artifactOf(three.object)).toEqual(artifactOf(two.object));

      // A force-push back to the first commit is a new revision like any other.
      await repo.push({ oid: first, force: true });
      const back = await t.poll(key);
      expect(artifactOf(back.object)?.revision).toBe(`main@sha1:${first}`);
      expect(await t.files(artifactOf(back.object))).toEqual({ "a.txt": "1\n" });
    });
  }

  it("keeps the last artifact when a later run fails", async () => {
    const repo = await newRepo();
    const oid = await repo.commit({ "a.txt": "1\n" });
    const t = await setup();
    const key = await t.put("app", { url: repo.url, ref: { branch: "main" } });
    await t.poll(key);
    await t.put("app", { url: repo.url, ref: { branch: "gone" } });
    const failed = await t.poll(key);
    expect(failed.ready).toMatchObject({ status: "False", reason: "GitOperationFailed" });
    expect(failed.ready?.message).toBe(`branch 'gone' not found in ${repo.url}; branches there: main`);
    expect(artifactOf(failed.object)?.revision).toBe(`main@sha1:${oid}`);
  });
});

describe("GitRepository: authentication", () => {
  it("fetches a private repository with basic auth and with a bearer token", async () => {
    const repo = await newRepo({ private: true });
    const oid = await repo.commit({ "a.txt": "secret stuff\n" });
    const t = await setup();
    await t.secret("basic", { username: env.git.username, password: env.git.password });
    await t.secret("token", { bearerToken: env.git.token });
    const basic = await t.poll(await t.put("basic", { url: repo.url, secretRef: { name: "basic" } }));
    expect(basic.ready?.status).toBe("False"); // the default branch is master, not main
    const withBasic = await t.poll(
      await t.put("basic", { url: repo.url, ref: { branch: "main" }, secretRef: { name: "basic" } }),
    );
    expect(artifactOf(withBasic.object)?.revision).toBe(`main@sha1:${oid}`);
    const withToken = await t.poll(
      await t.put("token", { url: repo.url, ref: { branch: "main" }, secretRef: { name: "token" } }),
    );
    expect(artifactOf(withToken.object)?.revision).toBe(`main@sha1:${oid}`);
  });

  it("reports wrong or missing credentials without revealing them", async () => {
    const repo = await newRepo({ private: true });
    await repo.commit({ "a.txt": "secret stuff\n" });
    const t = await setup();
    await t.secret("wrong", { username: env.git.username, password: "not-the-password" });
    const wrong = await t.poll(
      await t.put("wrong", { url: repo.url, ref: { branch: "main" }, secretRef: { name: "wrong" } }),
    );
    expect(wrong.ready).toMatchObject({
      status: "False",
      reason: "AuthenticationFailed",
      message: `${repo.url} refused the credentials in secret 'default/wrong' (HTTP 401); check the secret's username and password`,
    });
    expect(JSON.stringify(wrong.object.status)).not.toContain("not-the-password");
    const anonymous = await t.poll(await t.put("anonymous", { url: repo.url, ref: { branch: "main" } }));
    expect(anonymous.ready).toMatchObject({ status: "False", reason: "AuthenticationFailed" });
    expect(anonymous.ready?.message).toContain("requires authentication (HTTP 401); set spec.secretRef");
    const absent = await t.poll(
      await t.put("absent", { url: repo.url, ref: { branch: "main" }, secretRef: { name: "nope" } }),
    );
    expect(absent.ready).toMatchObject({ status: "False", reason: "AuthenticationFailed" });
    expect(absent.ready?.message).toContain("secret 'default/nope' named by spec.secretRef was not found");
  });
});

describe("GitRepository: contents", () => {
  it("applies spec.ignore and .sourceignore files", async () => {
    const repo = await newRepo();
    await repo.commit({
      "deploy/app.yaml": "app\n",
      "deploy/notes.md": "notes\n",
      "docs/guide.md": "guide\n",
      "deploy/.sourceignore": "*.md\n",
      "logo.png": "png",
    });
    const t = await setup();
    const byFile = await t.poll(await t.put("byfile", { url: repo.url, ref: { branch: "main" } }));
    expect(Object.keys(await t.files(artifactOf(byFile.object))).sort()).toEqual([
      "deploy/.sourceignore",
      "deploy/app.yaml",
      "docs/guide.md",
    ]);
    // spec.ignore replaces the defaults (logo.png comes back) and adds its own rules.
    const bySpec = await t.poll(
      await t.put("byspec", { url: repo.url, ref: { branch: "main" }, ignore: "/docs/\n" }),
    );
    expect(Object.keys(await t.files(artifactOf(bySpec.object))).sort()).toEqual([
      "deploy/.sourceignore",
      "deploy/app.yaml",
      "logo.png",
    ]);
  });

  it("keeps only the sparse checkout directories", async () => {
    const repo = await newRepo();
    await repo.commit({
      "apps/a/x.yaml": "x\n",
      "apps/b/y.yaml": "y\n",
      "infra/z.yaml": "z\n",
      "top.yaml": "t\n",
    });
    const t = await setup();
    const sparse = await t.poll(
      await t.put("sparse", { url: repo.url, ref: { branch: "main" }, sparseCheckout: ["apps/a", "infra"] }),
    );
    expect(await t.files(artifactOf(sparse.object))).toEqual({
      "apps/a/x.yaml": "x\n",
      "infra/z.yaml": "z\n",
    });
    const missing = await t.poll(
      await t.put("missing", { url: repo.url, ref: { branch: "main" }, sparseCheckout: ["nowhere"] }),
    );
    expect(missing.ready).toMatchObject({ status: "False", reason: "GitOperationFailed" });
    expect(missing.ready?.message).toContain("spec.sparseCheckout names 'nowhere'");
  });

  it("copies included GitRepository artifacts into sub-paths and rebuilds when they move", async () => {
    const lib = await newRepo();
    const libFirst = await lib.commit({ "deploy/base/cm.yaml": "v1\n", "src/main.go": "package main\n" });
    const app = await newRepo();
    const appOid = await app.commit({ "app.yaml": "app\n", "vendor/lib/stale.yaml": "replaced\n" });
    const t = await setup();
    const libKey = await t.put("lib", { url: lib.url, ref: { branch: "main" } });
    const appKey = await t.put("app", {
      url: app.url,
      ref: { branch: "main" },
      include: [
        { repository: { name: "lib" }, fromPath: "deploy", toPath: "vendor/lib" },
        { repository: { name: "lib" } },
      ],
    });
    const notYet = await t.poll(appKey);
    expect(notYet.ready).toMatchObject({ status: "False", reason: "SourceNotReady" });
    const libRun = await t.poll(libKey);
    const withLib = await t.poll(appKey);
    expect(await t.files(artifactOf(withLib.object))).toEqual({
      "app.yaml": "app\n",
      "vendor/lib/base/cm.yaml": "v1\n",
      "lib/deploy/base/cm.yaml": "v1\n",
      "lib/src/main.go": "package main\n",
    });
    expect(withLib.object.status?.includedArtifacts).toEqual([
      artifactOf(libRun.object),
      artifactOf(libRun.object),
    ]);
    expect(artifactOf(withLib.object)?.revision).toBe(`main@sha1:${appOid}`);
    expect(artifactOf(libRun.object)?.revision).toBe(`main@sha1:${libFirst}`);

    // The included repository moves: the app's artifact is rebuilt at the same revision of its own.
    await lib.commit({ "deploy/base/cm.yaml": "v2\n" });
    await t.poll(libKey);
    const moved = await t.poll(appKey);
    expect(artifactOf(moved.object)?.revision).toBe(`main@sha1:${appOid}`);
    expect(artifactOf(moved.object)?.digest).not.toBe(artifactOf(withLib.object)?.digest);
    expect((await t.files(artifactOf(moved.object)))["vendor/lib/base/cm.yaml"]).toBe("v2\n");
  });

  it("keeps symlinks that stay inside and refuses one that escapes", async () => {
    const repo = await newRepo();
    await repo.commit({ "base/cm.yaml": "cm\n", "overlay/cm.yaml": { symlink: "../base/cm.yaml" } });
    const t = await setup();
    const key = await t.put("links", { url: repo.url, ref: { branch: "main" } });
    const inside = await t.poll(key);
    expect(await t.files(artifactOf(inside.object))).toEqual({
      "base/cm.yaml": "cm\n",
      "overlay/cm.yaml ->": "../base/cm.yaml",
    });
    await repo.commit({ "overlay/passwd": { symlink: "../../../etc/passwd" } });
    const escaping = await t.poll(key);
    expect(escaping.ready).toMatchObject({ status: "False", reason: "PathEscapesRoot" });
    expect(escaping.ready?.message).toContain("refused symlink overlay/passwd -> ../../../etc/passwd");
  });

  it("refuses a repository over the size limit, whether the download or the tree is too large", async () => {
    const repo = await newRepo();
    const noise = new Uint8Array(64 * 1024).map(() => Math.floor(Math.random() * 256));
    await repo.commit({ "noise.bin": noise });
    const t = await setup({ limits: { maxArtifactBytes: 32 * 1024 } });
    const download = await t.poll(await t.put("download", { url: repo.url, ref: { branch: "main" } }));
    expect(download.ready).toMatchObject({ status: "False", reason: "SizeLimitExceeded" });
    expect(download.ready?.message).toBe("the repository sent more than the 32 KiB limit");

    const zeros = await newRepo();
    await zeros.commit({ "zeros.txt": "0".repeat(64 * 1024) });
    const tree = await t.poll(await t.put("tree", { url: zeros.url, ref: { branch: "main" } }));
    expect(tree.ready).toMatchObject({ status: "False", reason: "SizeLimitExceeded" });
    expect(tree.ready?.message).toBe("the source tree is larger than the 32 KiB limit");
  });

  it("stalls on submodules with recurseSubmodules set, and leaves them out otherwise", async () => {
    const repo = await newRepo();
    await repo.commit({ "a.txt": "a\n" });
    const blob = await repo.writeBlob("a\n");
    await repo.commitTree([
      { mode: "100644", path: "a.txt", oid: blob, type: "blob" },
      { mode: "160000", path: "vendor", oid: "1".repeat(40), type: "commit" },
    ]);
    const t = await setup();
    const plain = await t.poll(await t.put("plain", { url: repo.url, ref: { branch: "main" } }));
    expect(await t.files(artifactOf(plain.object))).toEqual({ "a.txt": "a\n" });
    const recurse = await t.poll(
      await t.put("recurse", { url: repo.url, ref: { branch: "main" }, recurseSubmodules: true }),
    );
    expect(recurse.ready).toMatchObject({ status: "False", reason: "SubmodulesUnsupported" });
    expect(findCondition(conditionsOf(recurse.object.status), "Stalled")?.status).toBe("True");
    expect(recurse.ready?.message).toContain("spec.recurseSubmodules is set and revision");
    expect(recurse.ready?.message).toContain("has submodules (vendor)");
  });
});

describe("GitRepository: failures", () => {
  it("stalls on URLs it cannot use and on spec.verify", async () => {
    const t = await setup();
    const cases: [Record<string, unknown>, string, string][] = [
      [{ url: "not a url" }, "URLInvalid", "spec.url 'not a url' is not a URL"],
      [{ url: "ftp://example.com/repo.git" }, "URLInvalid", "spec.url scheme 'ftp' is not supported"],
      [{ url: "ssh://git@example.com/org/repo.git" }, "UnsupportedURL", "SSH URLs are not supported yet"],
      [{ url: "git@example.com:org/repo.git" }, "UnsupportedURL", "SSH URLs are not supported yet"],
      [
        { url: "https://example.com/repo.git", verify: { mode: "HEAD", secretRef: { name: "keys" } } },
        "VerificationUnsupported",
        "spec.verify: sluice cannot verify commit signatures yet",
      ],
    ];
    for (const [i, [spec, reason, message]] of cases.entries()) {
      const { ready, object } = await t.poll(await t.put(`case-${i}`, spec));
      expect(ready).toMatchObject({ status: "False", reason });
      expect(ready?.message).toContain(message);
      expect(findCondition(conditionsOf(object.status), "Stalled")?.status).toBe("True");
    }
    expect(t.meter.requests).toBe(0);
  });

  it("reports an unreachable host and a server that does not answer in spec.timeout", async () => {
    const t = await setup();
    // A port that was free a moment ago: nothing listens there.
    const closed = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, "127.0.0.1", () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    const unreachable = await t.poll(
      await t.put("unreachable", { url: `http://127.0.0.1:${closed}/repo.git` }),
    );
    expect(unreachable.ready).toMatchObject({ status: "False", reason: "GitOperationFailed" });
    expect(unreachable.ready?.message).toBe(`cannot reach http://127.0.0.1:${closed}: ECONNREFUSED`);

    // Accepts connections and never answers.
    const sockets: import("node:net").Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    onTestFinished(() => {
      for (const socket of sockets) socket.destroy();
      silent.close();
    });
    const { port } = silent.address() as { port: number };
    const slowKey = await t.put("slow", { url: `http://127.0.0.1:${port}/repo.git`, timeout: "1s" });
    // The loop aborts the run at spec.timeout; the reconciler then says which server it waited for.
    const slow = await t.poll(slowKey);
    expect(slow.ready).toMatchObject({
      status: "False",
      reason: "GitOperationFailed",
      message: `timed out after 1s talking to http://127.0.0.1:${port}/repo.git; raise spec.timeout if the repository is large or the server slow`,
    });
    expect(findCondition(conditionsOf(slow.object.status), "Stalled")).toBeUndefined();
  });

  it("reports a repository that does not exist", async () => {
    const t = await setup();
    const { ready } = await t.poll(await t.put("nothing", { url: `${env.git.url}/no/such/repo.git` }));
    expect(ready).toMatchObject({ status: "False", reason: "GitOperationFailed" });
    expect(ready?.message).toContain("no/such/repo.git");
  });
});
