import { createHash } from "node:crypto";
import * as fs from "node:fs";
import { mkdir, mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import git from "isomorphic-git";
import type { GitHttpTransport } from "./http-transport.ts";
import type { SelectedRef } from "./ref-selection.ts";

/** A bare repository to fetch into; `cached` when it outlives the run (and may hold older objects). */
export interface Workspace {
  readonly gitdir: string;
  readonly cached: boolean;
  /** isomorphic-git's object cache for this run: pack indexes are parsed once. */
  readonly cache: object;
}

/**
 * Each fetch into a cached repository adds a pack, and isomorphic-git cannot repack; past this
 * many the repository is dropped and the next fetch starts afresh (one full shallow fetch).
 */
const MAX_CACHED_PACKS = 64;

/** The folder name for a URL: a digest, so neither the URL nor anything in it lands on disk. */
export function cacheKey(url: string): string {
  return createHash("sha256").update(url).digest("hex").slice(0, 32);
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function initBare(gitdir: string, url: string): Promise<void> {
  await git.init({ fs, dir: gitdir, gitdir, bare: true, defaultBranch: "main" });
  await git.addRemote({ fs, gitdir, remote: "origin", url, force: true });
}

/**
 * Where fetches go. Without a cache folder every run fetches into a fresh temporary repository
 * that is removed afterwards. With one, each URL keeps a bare repository there, so a later fetch
 * sends the server what it already has and downloads only new objects; runs on the same URL in
 * this process take turns on it.
 */
export class GitWorkspaces {
  readonly #cacheDir: string | undefined;
  readonly #turns = new Map<string, Promise<unknown>>();

  constructor(cacheDir: string | undefined) {
    this.#cacheDir = cacheDir;
  }

  async use<T>(url: string, work: (workspace: Workspace) => Promise<T>): Promise<T> {
    if (this.#cacheDir === undefined) {
      const gitdir = await mkdtemp(join(tmpdir(), "sluice-git-"));
      try {
        await initBare(gitdir, url);
        return await work({ gitdir, cached: false, cache: {} });
      } finally {
        await rm(gitdir, { recursive: true, force: true });
      }
    }
    const gitdir = join(this.#cacheDir, "git", cacheKey(url));
    const previous = this.#turns.get(gitdir) ?? Promise.resolve();
    const run = previous
      .catch(() => {})
      .then(async () => {
        await this.#prepare(gitdir, url);
        return work({ gitdir, cached: true, cache: {} });
      });
    const settled = run.catch(() => {});
    this.#turns.set(gitdir, settled);
    try {
      return await run;
    } finally {
      if (this.#turns.get(gitdir) === settled) this.#turns.delete(gitdir);
    }
  }

  async #prepare(gitdir: string, url: string): Promise<void> {
    if (await exists(join(gitdir, "config"))) {
      const packs = await readdir(join(gitdir, "objects", "pack")).catch(() => [] as string[]);
      if (packs.filter((p) => p.endsWith(".pack")).length <= MAX_CACHED_PACKS) return;
      await rm(gitdir, { recursive: true, force: true });
    }
    await mkdir(gitdir, { recursive: true });
    await initBare(gitdir, url);
  }
}

async function hasCommit(workspace: Workspace, oid: string): Promise<boolean> {
  try {
    await git.readCommit({ fs, gitdir: workspace.gitdir, oid, cache: workspace.cache });
    return true;
  } catch {
    return false;
  }
}

/** The commit an object id names, following annotated tags. */
async function peel(workspace: Workspace, oid: string): Promise<string> {
  let current = oid;
  for (let depth = 0; depth < 10; depth++) {
    const { type } = await git.readObject({
      fs,
      gitdir: workspace.gitdir,
      oid: current,
      cache: workspace.cache,
    });
    if (type !== "tag") return current;
    current = (await git.readTag({ fs, gitdir: workspace.gitdir, oid: current, cache: workspace.cache })).tag
      .object;
  }
  return current;
}

/** When the commit last fetched for this ref was made, if the cached repository still has it. */
async function lastFetchedAt(workspace: Workspace, localRef: string): Promise<Date | undefined> {
  try {
    const oid = await git.resolveRef({ fs, gitdir: workspace.gitdir, ref: localRef });
    const { commit } = await git.readCommit({ fs, gitdir: workspace.gitdir, oid, cache: workspace.cache });
    return new Date(commit.committer.timestamp * 1000);
  } catch {
    return undefined;
  }
}

/** The local ref remembering the last commit fetched for a remote ref, which the next fetch offers as "have". */
function localRefFor(fullRef: string): string {
  return `refs/sluice/${fullRef.replace(/^refs\//, "")}`;
}

export interface FetchCommitInput {
  readonly workspace: Workspace;
  readonly url: string;
  readonly transport: GitHttpTransport;
  readonly selected: SelectedRef;
  readonly signal?: AbortSignal | undefined;
}

/**
 * Makes the selected commit and its tree present in the workspace, downloading as little as the
 * server allows: nothing when a cached repository already has the commit (a force-push back to
 * an older commit, or another object on the same URL); in a cached repository, the commits since
 * the last one fetched for this ref (only new objects); else a depth-1 fetch of the one ref.
 * A pinned commit is asked for by id first (servers that allow it send depth 1); otherwise its
 * branch, or every branch, is fetched with history, as Flux does; the caller checks it arrived.
 * Returns the commit, which may differ from `selected.commit` if the ref moved since it was listed.
 */
export async function fetchCommit(input: FetchCommitInput): Promise<string> {
  const { workspace, url, transport, selected } = input;
  const { gitdir, cache } = workspace;
  if (workspace.cached && (await hasCommit(workspace, selected.commit))) return selected.commit;
  const base = { fs, http: transport, gitdir, url, cache, tags: false } as const;
  if (!selected.pinned && selected.fullRef !== undefined) {
    const localRef = localRefFor(selected.fullRef);
    const ref = { ...base, ref: localRef, remoteRef: selected.fullRef, singleBranch: true } as const;
    const since = workspace.cached ? await lastFetchedAt(workspace, localRef) : undefined;
    let fetchHead: string | null | undefined;
    if (since) {
      // At depth 1 the server cannot see that we hold the parent and sends the whole tree again;
      // asking for the commits since the last one we fetched lets our "have" count.
      try {
        fetchHead = (await git.fetch({ ...ref, since })).fetchHead;
      } catch (error) {
        // "no commits selected" after a force-push to an older commit we do not hold: depth 1 below.
        if (transport.limitError || input.signal?.aborted) throw error;
      }
    }
    fetchHead ??= (await git.fetch({ ...ref, depth: 1 })).fetchHead;
    const commit = await peel(workspace, fetchHead ?? selected.commit);
    await git.writeRef({ fs, gitdir, ref: localRef, value: commit, force: true });
    return commit;
  }
  // A pinned commit: by id at depth 1, where the server lets a client want any reachable commit.
  try {
    await git.fetch({ ...base, remoteRef: selected.commit, singleBranch: true, depth: 1 });
    if (await hasCommit(workspace, selected.commit)) return selected.commit;
  } catch (error) {
    // Refused ("not our ref") on servers that allow only advertised tips: fetch with history below.
    if (transport.limitError) throw transport.limitError;
    if (input.signal?.aborted) throw error;
  }
  if (selected.fullRef !== undefined) {
    await git.fetch({
      ...base,
      ref: localRefFor(selected.fullRef),
      remoteRef: selected.fullRef,
      singleBranch: true,
    });
  } else {
    await git.fetch({ ...base, singleBranch: false });
  }
  return selected.commit;
}
