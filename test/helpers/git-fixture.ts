import * as fs from "node:fs";
import { mkdir, rm, symlink, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import git from "isomorphic-git";
import http from "isomorphic-git/http/node";
import { createBareRepo, type GitServerInfo } from "../env/git-server.ts";
import { tempDir } from "./temp-dir.ts";

const author = { name: "Fixture", email: "fixture@sluice.test", timestamp: 1_700_000_000, timezoneOffset: 0 };

/** A file's new content, a symlink, or `null` to delete it. */
export type Change = string | Uint8Array | { readonly symlink: string } | null;

/**
 * A repository on the test Git server and a local clone that pushes to it with isomorphic-git,
 * one commit per `commit()` call.
 */
export class GitFixture {
  readonly url: string;
  readonly #server: GitServerInfo;
  readonly #dir: string;
  #branch = "main";
  #commits = 0;

  private constructor(server: GitServerInfo, url: string, dir: string) {
    this.#server = server;
    this.url = url;
    this.#dir = dir;
  }

  static async create(server: GitServerInfo, name: string): Promise<GitFixture> {
    await createBareRepo(server.root, name);
    const dir = await tempDir("sluice-git-fixture-");
    await git.init({ fs, dir, defaultBranch: "main" });
    return new GitFixture(server, `${server.url}/${name}.git`, dir);
  }

  #auth = () => ({ username: this.#server.username, password: this.#server.password });

  /** Switches the local branch (creating it at the current commit) for the next commits. */
  async branch(name: string): Promise<void> {
    const branches = await git.listBranches({ fs, dir: this.#dir });
    if (!branches.includes(name)) await git.branch({ fs, dir: this.#dir, ref: name });
    await git.checkout({ fs, dir: this.#dir, ref: name });
    this.#branch = name;
  }

  /** Writes the changes, commits them on the current branch and pushes it; returns the commit id. */
  async commit(changes: Readonly<Record<string, Change>>, message?: string): Promise<string> {
    for (const [path, change] of Object.entries(changes)) {
      const full = join(this.#dir, path);
      await rm(full, { force: true });
      if (change === null) {
        await git.remove({ fs, dir: this.#dir, filepath: path });
        continue;
      }
      await mkdir(dirname(full), { recursive: true });
      if (typeof change === "object" && "symlink" in change) await symlink(change.symlink, full);
      else await writeFile(full, change);
      await git.add({ fs, dir: this.#dir, filepath: path });
    }
    this.#commits++;
    const oid = await git.commit({
      fs,
      dir: this.#dir,
      message: message ?? `commit ${this.#commits}`,
      author: { ...author, timestamp: author.timestamp + this.#commits },
    });
    await this.push();
    return oid;
  }

  /** Commits a tree built by hand (for entries a worktree cannot hold, such as a submodule). */
  async commitTree(entries: { mode: string; path: string; oid: string; type: "blob" | "tree" | "commit" }[]) {
    const tree = await git.writeTree({ fs, dir: this.#dir, tree: entries });
    const parent = [await git.resolveRef({ fs, dir: this.#dir, ref: "HEAD" })];
    this.#commits++;
    const oid = await git.commit({ fs, dir: this.#dir, message: "by hand", author, tree, parent });
    await this.push();
    return oid;
  }

  async writeBlob(content: string): Promise<string> {
    return git.writeBlob({ fs, dir: this.#dir, blob: new TextEncoder().encode(content) });
  }

  /** Pushes the current branch, or `oid` to `remoteRef` (forced), e.g. a force-push or a pull request ref. */
  async push(options: { remoteRef?: string; oid?: string; force?: boolean } = {}): Promise<void> {
    if (options.oid) {
      // isomorphic-git pushes local refs: point a scratch ref at the commit and push that.
      await git.writeRef({
        fs,
        dir: this.#dir,
        ref: "refs/heads/sluice-push",
        value: options.oid,
        force: true,
      });
    }
    await git.push({
      fs,
      http,
      dir: this.#dir,
      url: this.url,
      ref: options.oid ? "sluice-push" : this.#branch,
      remoteRef: options.remoteRef ?? this.#branch,
      force: options.force ?? false,
      onAuth: this.#auth,
    });
  }

  /** Tags a commit (HEAD by default) and pushes the tag. */
  async tag(name: string, options: { annotated?: boolean; oid?: string } = {}): Promise<void> {
    const object = options.oid ?? (await git.resolveRef({ fs, dir: this.#dir, ref: "HEAD" }));
    if (options.annotated)
      await git.annotatedTag({ fs, dir: this.#dir, ref: name, object, message: name, tagger: author });
    else await git.tag({ fs, dir: this.#dir, ref: name, object });
    await git.push({ fs, http, dir: this.#dir, url: this.url, ref: `refs/tags/${name}`, onAuth: this.#auth });
  }
}
