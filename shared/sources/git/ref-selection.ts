import semver from "semver";
import { optionalObject, optionalString } from "../../api/spec-fields.ts";
import { ReconcileError } from "../../reconcile/reconciler.ts";
import { highestMatching, parseConstraint } from "../version-constraint.ts";

/** `spec.ref` after Flux's precedence: commit > name > semver > tag > branch; `master` by default. */
export type GitRef =
  | { readonly kind: "commit"; readonly commit: string; readonly branch?: string }
  | { readonly kind: "name"; readonly name: string }
  | { readonly kind: "semver"; readonly range: string }
  | { readonly kind: "tag"; readonly tag: string }
  | { readonly kind: "branch"; readonly branch: string };

export const DEFAULT_BRANCH = "master";

const SHA1 = /^[0-9a-f]{40}$/;

/** A ref as the server lists it (isomorphic-git's ServerRef): `peeled` is an annotated tag's commit. */
export interface ListedRef {
  readonly ref: string;
  readonly oid: string;
  readonly peeled?: string | undefined;
}

/** What a poll resolved: the remote ref to fetch, the commit it names, and Flux's revision for it. */
export interface SelectedRef {
  /** Full ref name on the server, e.g. `refs/heads/main`; undefined for a bare commit. */
  readonly fullRef: string | undefined;
  /** The commit (an annotated tag already peeled). */
  readonly commit: string;
  /** `main@sha1:<hex>`, `v1.2.3@sha1:<hex>`, `refs/pull/1/head@sha1:<hex>`, `sha1:<hex>`. */
  readonly revision: string;
  /** `spec.ref.commit`: the commit is fixed, `fullRef` (if any) is only where to look for it. */
  readonly pinned: boolean;
}

/** Reads `spec.ref`, applying Flux's precedence; a malformed ref is a stalled spec error. */
export function gitRefOf(spec: Readonly<Record<string, unknown>>): GitRef {
  const ref = optionalObject(spec, "ref") ?? {};
  const field = (name: string) => optionalString(ref, name, `spec.ref.${name}`) || undefined;
  const branch = field("branch");
  const commit = field("commit");
  if (commit !== undefined) {
    const lower = commit.toLowerCase();
    if (!SHA1.test(lower))
      throw new ReconcileError(
        "InvalidSpec",
        `spec.ref.commit must be a full 40-character SHA-1 commit id, got '${commit}'`,
        { stalled: true },
      );
    return { kind: "commit", commit: lower, ...(branch ? { branch } : {}) };
  }
  const name = field("name");
  if (name !== undefined) {
    if (!name.startsWith("refs/"))
      throw new ReconcileError(
        "InvalidSpec",
        `spec.ref.name must be a full reference such as refs/heads/main or refs/pull/1/head, got '${name}'`,
        { stalled: true },
      );
    return { kind: "name", name };
  }
  const range = field("semver");
  if (range !== undefined) {
    parseConstraint(range, "spec.ref.semver");
    return { kind: "semver", range };
  }
  const tag = field("tag");
  if (tag !== undefined) return { kind: "tag", tag };
  return { kind: "branch", branch: branch ?? DEFAULT_BRANCH };
}

/** The ref prefix whose listing answers this ref; undefined when a listing cannot (a bare commit). */
export function listingPrefix(ref: GitRef): string | undefined {
  switch (ref.kind) {
    case "branch":
      return `refs/heads/${ref.branch}`;
    case "tag":
      return `refs/tags/${ref.tag}`;
    case "semver":
      return "refs/tags/";
    case "name":
      return ref.name;
    case "commit":
      return ref.branch ? `refs/heads/${ref.branch}` : undefined;
  }
}

/** Flux's revision for a ref and the commit it resolved to. */
export function revisionOf(ref: GitRef, commit: string, tagName?: string): string {
  switch (ref.kind) {
    case "branch":
      return `${ref.branch}@sha1:${commit}`;
    case "tag":
      return `${ref.tag}@sha1:${commit}`;
    case "semver":
      return `${tagName ?? ref.range}@sha1:${commit}`;
    case "name":
      return `${ref.name}@sha1:${commit}`;
    case "commit":
      return ref.branch ? `${ref.branch}@sha1:${commit}` : `sha1:${commit}`;
  }
}

/** A commit ref's revision needs no listing: the commit is fixed. */
export function fixedSelection(ref: GitRef & { kind: "commit" }): SelectedRef {
  return {
    fullRef: ref.branch ? `refs/heads/${ref.branch}` : undefined,
    commit: ref.commit,
    revision: revisionOf(ref, ref.commit),
    pinned: true,
  };
}

function commitOf(listed: ListedRef): string {
  return listed.peeled ?? listed.oid;
}

/** The tag names among listed refs, annotated tags' `^{}` lines left out. */
function tagNames(refs: readonly ListedRef[]): string[] {
  return refs
    .filter((r) => r.ref.startsWith("refs/tags/") && !r.ref.endsWith("^{}"))
    .map((r) => r.ref.slice("refs/tags/".length));
}

/** The highest tag satisfying the range, as Flux picks it; undefined when none does. */
export function highestMatchingTag(range: string, tags: readonly string[]): string | undefined {
  return highestMatching(tags, parseConstraint(range, "spec.ref.semver"));
}

/** Up to `max` names, with "and N more" when the list is longer. */
export function fewOf(names: readonly string[], max = 5): string {
  if (names.length === 0) return "none";
  const shown = names.slice(0, max).join(", ");
  return names.length > max ? `${shown} and ${names.length - max} more` : shown;
}

/**
 * Picks the commit a ref names from the server's listing. `listed` holds at least the refs under
 * `listingPrefix(ref)`. A ref that does not exist is a MissingRefError, which the caller completes
 * with what does exist (another listing, so it is made only on failure).
 */
export function selectRef(ref: GitRef, listed: readonly ListedRef[], where: string): SelectedRef {
  const find = (full: string) => listed.find((r) => r.ref === full);
  switch (ref.kind) {
    case "branch":
    case "tag":
    case "name": {
      const full = listingPrefix(ref) as string;
      const found = find(full);
      if (!found) throw missingRef(ref, where);
      return {
        fullRef: full,
        commit: commitOf(found),
        revision: revisionOf(ref, commitOf(found)),
        pinned: false,
      };
    }
    case "semver": {
      const tag = highestMatchingTag(ref.range, tagNames(listed));
      if (tag === undefined)
        throw new ReconcileError(
          "GitOperationFailed",
          `no tag in ${where} matches semver range '${ref.range}'; tags there: ${fewOf(newestFirst(tagNames(listed)))}`,
        );
      const found = find(`refs/tags/${tag}`) as ListedRef;
      return {
        fullRef: found.ref,
        commit: commitOf(found),
        revision: revisionOf(ref, commitOf(found), tag),
        pinned: false,
      };
    }
    case "commit": {
      const selected = fixedSelection(ref);
      if (selected.fullRef && !find(selected.fullRef)) throw missingRef(ref, where);
      return selected;
    }
  }
}

function newestFirst(tags: readonly string[]): string[] {
  const versions = tags.filter((t) => semver.parse(t, { loose: true }));
  return [
    ...versions.sort((a, b) => semver.rcompare(a, b, true)),
    ...tags.filter((t) => !versions.includes(t)),
  ];
}

/** A missing ref, before the caller adds which ones exist. */
export class MissingRefError extends ReconcileError {
  readonly kind: "branch" | "tag" | "ref";
  readonly wanted: string;

  constructor(kind: "branch" | "tag" | "ref", wanted: string, where: string) {
    super("GitOperationFailed", `${kind} '${wanted}' not found in ${where}`);
    this.kind = kind;
    this.wanted = wanted;
  }

  /** The prefix to list for what exists instead. */
  get alternativesPrefix(): string {
    return this.kind === "branch" ? "refs/heads/" : this.kind === "tag" ? "refs/tags/" : "refs/";
  }

  /** The same error, naming a few refs that do exist. */
  withAlternatives(listed: readonly ListedRef[]): ReconcileError {
    const prefix = this.alternativesPrefix;
    const names = listed
      .map((r) => r.ref)
      .filter((r) => r.startsWith(prefix) && !r.endsWith("^{}"))
      .map((r) => (this.kind === "ref" ? r : r.slice(prefix.length)));
    const noun = this.kind === "branch" ? "branches" : this.kind === "tag" ? "tags" : "refs";
    const sorted = this.kind === "tag" ? newestFirst(names) : names.sort();
    return new ReconcileError(this.reason, `${this.message}; ${noun} there: ${fewOf(sorted)}`);
  }
}

function missingRef(ref: GitRef, where: string): MissingRefError {
  switch (ref.kind) {
    case "branch":
      return new MissingRefError("branch", ref.branch, where);
    case "commit":
      return new MissingRefError("branch", ref.branch ?? "", where);
    case "tag":
      return new MissingRefError("tag", ref.tag, where);
    default:
      return new MissingRefError("ref", listingPrefix(ref) ?? "", where);
  }
}
