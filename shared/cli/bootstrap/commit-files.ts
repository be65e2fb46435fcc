import * as fs from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import git from "isomorphic-git";
import http from "isomorphic-git/http/node";

export interface CommitFilesOptions {
  readonly url: string;
  readonly branch: string;
  /** Path in the repository → content. */
  readonly files: Readonly<Record<string, string>>;
  readonly message: string;
  readonly auth?: { readonly username: string; readonly password: string };
  readonly author?: { readonly name: string; readonly email: string };
}

export interface CommitResult {
  /** The branch's head after the call. */
  readonly commit: string;
  /** False when every file already had this content: nothing was committed or pushed. */
  readonly changed: boolean;
}

async function current(path: string): Promise<string | undefined> {
  return readFile(path, "utf8").catch(() => undefined);
}

/**
 * Makes `files` hold the given content on `branch` of the repository at `url`, with one commit
 * and one push when anything differs and nothing at all when not, so running it twice changes
 * nothing. An empty repository (or a missing branch) gets the branch created.
 */
export async function commitFiles(options: CommitFilesOptions): Promise<CommitResult> {
  const dir = await mkdtemp(join(tmpdir(), "sluice-bootstrap-"));
  const onAuth = options.auth ? () => options.auth : undefined;
  try {
    const refs = await git.listServerRefs({ http, url: options.url, ...(onAuth ? { onAuth } : {}) });
    const exists = refs.some((r) => r.ref === `refs/heads/${options.branch}`);
    if (exists)
      await git.clone({
        fs,
        http,
        dir,
        url: options.url,
        ref: options.branch,
        singleBranch: true,
        depth: 1,
        ...(onAuth ? { onAuth } : {}),
      });
    else {
      await git.init({ fs, dir, defaultBranch: options.branch });
      await git.addRemote({ fs, dir, remote: "origin", url: options.url });
    }
    let changed = false;
    for (const [path, content] of Object.entries(options.files)) {
      const full = join(dir, path);
      if ((await current(full)) === content) continue;
      await mkdir(dirname(full), { recursive: true });
      await writeFile(full, content);
      await git.add({ fs, dir, filepath: path });
      changed = true;
    }
    if (!changed) return { commit: await git.resolveRef({ fs, dir, ref: "HEAD" }), changed };
    const author = options.author ?? { name: "sluice", email: "sluice@localhost" };
    const commit = await git.commit({ fs, dir, message: options.message, author });
    await git.push({
      fs,
      http,
      dir,
      url: options.url,
      ref: options.branch,
      remoteRef: options.branch,
      ...(onAuth ? { onAuth } : {}),
    });
    return { commit, changed };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
