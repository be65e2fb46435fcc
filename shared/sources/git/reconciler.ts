import git, { Errors } from "isomorphic-git";
import { parseDuration } from "../../api/duration.ts";
import {
  optionalBoolean,
  optionalObject,
  optionalString,
  optionalStringArray,
} from "../../api/spec-fields.ts";
import type { StoredObject } from "../../ports/index.ts";
import {
  ReconcileError,
  type ReconcileInput,
  type ReconcileResult,
  type Reconciler,
} from "../../reconcile/reconciler.ts";
import { releaseArtifacts } from "../artifact/garbage.ts";
import { currentArtifactResult, isArtifactCurrent, publishArtifact } from "../artifact/publish.ts";
import { applyIgnoreRules } from "../ignore-rules.ts";
import { readSecretRef } from "../secret-ref.ts";
import { limitsOf, type SourceDeps } from "../source-deps.ts";
import { explain, type Remote } from "./git-errors.ts";
import { GitHttpTransport } from "./http-transport.ts";
import { type ResolvedInclude, resolveIncludes, sameIncludes, withIncludes } from "./include.ts";
import {
  fixedSelection,
  type GitRef,
  gitRefOf,
  type ListedRef,
  listingPrefix,
  MissingRefError,
  type SelectedRef,
  selectRef,
} from "./ref-selection.ts";
import { httpCredentialsOf, parseRemoteUrl } from "./remote-url.ts";
import { treeFiles } from "./tree-files.ts";
import { fetchCommit, GitWorkspaces, type Workspace } from "./workspace.ts";

/** Flux's default for `spec.timeout`: how long the Git operations of one run may take. */
export const DEFAULT_GIT_TIMEOUT_MS = 60_000;

interface GitSpec {
  readonly url: string;
  readonly ref: GitRef;
  readonly timeoutMs: number;
  readonly ignore: string | undefined;
  readonly sparse: string[] | undefined;
  readonly recurseSubmodules: boolean;
}

function readSpec(object: StoredObject): GitSpec {
  const { spec } = object;
  if (optionalObject(spec, "verify"))
    throw new ReconcileError(
      "VerificationUnsupported",
      "spec.verify: sluice cannot verify commit signatures yet; remove spec.verify to use this repository without verification",
      { stalled: true },
    );
  const url = optionalString(spec, "url");
  if (!url) throw new ReconcileError("URLInvalid", "spec.url is required", { stalled: true });
  const timeout = optionalString(spec, "timeout");
  return {
    url,
    ref: gitRefOf(spec),
    timeoutMs: timeout === undefined ? DEFAULT_GIT_TIMEOUT_MS : parseDuration(timeout, "spec.timeout"),
    ignore: optionalString(spec, "ignore"),
    sparse: optionalStringArray(spec, "sparseCheckout"),
    recurseSubmodules: optionalBoolean(spec, "recurseSubmodules") ?? false,
  };
}

/**
 * Flux's GitRepository (source.toolkit.fluxcd.io/v1) on isomorphic-git. A poll lists only the
 * refs it needs (protocol v2 `ls-refs` with a prefix) and stops there when the revision is
 * already stored and the includes have not moved; a pinned commit needs no listing at all.
 * Otherwise it fetches the one ref at depth 1, reads the commit's tree straight from the object
 * store (no worktree), applies sparse checkout, includes and ignore rules, and publishes the
 * tree as a deterministic tarball.
 */
export class GitRepositoryReconciler implements Reconciler {
  readonly kind = "GitRepository";
  readonly defaultTimeoutMs = DEFAULT_GIT_TIMEOUT_MS;
  readonly #deps: SourceDeps;
  readonly #workspaces: GitWorkspaces;

  constructor(deps: SourceDeps) {
    this.#deps = deps;
    this.#workspaces = new GitWorkspaces(deps.cacheDir);
  }

  /** A deleted source's artifacts are removed, unless another source shares them. */
  async finalize({ object }: ReconcileInput): Promise<void> {
    await releaseArtifacts(object, this.#deps);
  }

  async reconcile(input: ReconcileInput): Promise<ReconcileResult> {
    const { object } = input;
    const spec = readSpec(object);
    const remote = await this.#remote(object, spec.url);
    const includes = await resolveIncludes(object, this.#deps);
    const { signal } = input;
    const transport = new GitHttpTransport({
      credentials: remote.credentials,
      signal,
      meter: this.#deps.meter,
      maxBytes: limitsOf(this.#deps).maxArtifactBytes,
    });
    try {
      const listed = spec.ref.kind === "commit" ? undefined : await this.#select(spec.ref, remote, transport);
      const selected = listed ?? fixedSelection(spec.ref as GitRef & { kind: "commit" });
      if (
        sameIncludes(object, includes) &&
        (await isArtifactCurrent(object, selected.revision, this.#deps.artifacts))
      )
        return currentArtifactResult(object);
      // A pinned commit was not listed: check the branch exists (and the credentials work) first.
      if (!listed) await this.#select(spec.ref, remote, transport);
      return await this.#workspaces.use(remote.url, (workspace) =>
        this.#build({ input, spec, remote, includes, selected, transport, workspace, signal }),
      );
    } catch (error) {
      throw explain(error, { remote, transport, timeoutMs: spec.timeoutMs, signal });
    }
  }

  async #remote(object: StoredObject, rawUrl: string): Promise<Remote> {
    const parsed = parseRemoteUrl(rawUrl);
    const data = await readSecretRef(object, this.#deps.secrets);
    if (!data) return { url: parsed.url, credentials: parsed.inline, secretName: undefined };
    const secretName = `${object.key.namespace}/${optionalObject(object.spec, "secretRef")?.name}`;
    return { url: parsed.url, credentials: httpCredentialsOf(data, secretName), secretName };
  }

  /** Lists the refs the spec's ref needs and picks the commit; a missing ref names a few that exist. */
  async #select(ref: GitRef, remote: Remote, transport: GitHttpTransport): Promise<SelectedRef> {
    const list = (prefix: string | undefined): Promise<ListedRef[]> =>
      git.listServerRefs({
        http: transport,
        url: remote.url,
        ...(prefix ? { prefix } : {}),
        peelTags: true,
        protocolVersion: 2,
      });
    // A bare pinned commit has no ref to list; HEAD's listing still proves the repository answers.
    const refs = await list(listingPrefix(ref) ?? "HEAD");
    try {
      return selectRef(ref, refs, remote.url);
    } catch (error) {
      if (!(error instanceof MissingRefError)) throw error;
      throw error.withAlternatives(await list(error.alternativesPrefix));
    }
  }

  async #build(run: {
    input: ReconcileInput;
    spec: GitSpec;
    remote: Remote;
    includes: readonly ResolvedInclude[];
    selected: SelectedRef;
    transport: GitHttpTransport;
    workspace: Workspace;
    signal: AbortSignal;
  }): Promise<ReconcileResult> {
    const { input, spec, remote, includes, selected, transport, workspace } = run;
    const commit = await fetchCommit({ workspace, url: remote.url, transport, selected, signal: run.signal });
    // The ref may have moved between the listing and the fetch: the revision names what was fetched.
    const revision = selected.revision.replace(selected.commit, commit);
    let tree: Awaited<ReturnType<typeof treeFiles>>;
    try {
      tree = await treeFiles({
        gitdir: workspace.gitdir,
        oid: commit,
        cache: workspace.cache,
        sparse: spec.sparse,
      });
    } catch (error) {
      if (error instanceof Errors.NotFoundError && selected.pinned)
        throw new ReconcileError(
          "GitOperationFailed",
          `commit '${commit}' not found in ${selected.fullRef ? `branch '${selected.fullRef.slice("refs/heads/".length)}' of ` : ""}${remote.url}`,
        );
      throw error;
    }
    if (tree.submodules.length > 0 && spec.recurseSubmodules)
      throw new ReconcileError(
        "SubmodulesUnsupported",
        `spec.recurseSubmodules is set and revision '${revision}' has submodules (${tree.submodules.join(", ")}), which sluice cannot fetch yet; include those repositories with spec.include, or set spec.recurseSubmodules to false`,
        { stalled: true },
      );
    const merged = await withIncludes(tree.files, includes, this.#deps);
    const files = await applyIgnoreRules(merged, { spec: spec.ignore, defaults: true });
    const keepIncludes = includes.length > 0 || input.object.status?.includedArtifacts !== undefined;
    return publishArtifact(
      {
        object: input.object,
        revision,
        content: { files },
        now: input.now,
        noun: "commit",
        ...(keepIncludes ? { status: { includedArtifacts: includes.map((i) => i.artifact) } } : {}),
      },
      this.#deps,
    );
  }
}
