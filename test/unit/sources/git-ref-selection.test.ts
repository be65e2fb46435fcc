import { describe, expect, it } from "vitest";
import {
  type GitRef,
  gitRefOf,
  highestMatchingTag,
  type ListedRef,
  MissingRefError,
  selectRef,
} from "../../../shared/sources/git/ref-selection.ts";

const A = "a".repeat(40);
const B = "b".repeat(40);
const C = "c".repeat(40);

describe("gitRefOf", () => {
  it("applies Flux's precedence: commit > name > semver > tag > branch, master by default", () => {
    const all = { branch: "dev", tag: "v1", semver: "^1", name: "refs/pull/1/head", commit: A };
    expect(gitRefOf({ ref: all })).toEqual({ kind: "commit", commit: A, branch: "dev" });
    expect(gitRefOf({ ref: { ...all, commit: undefined } })).toEqual({
      kind: "name",
      name: "refs/pull/1/head",
    });
    expect(gitRefOf({ ref: { branch: "dev", tag: "v1", semver: "^1" } })).toEqual({
      kind: "semver",
      range: "^1",
    });
    expect(gitRefOf({ ref: { branch: "dev", tag: "v1" } })).toEqual({ kind: "tag", tag: "v1" });
    expect(gitRefOf({ ref: { branch: "dev" } })).toEqual({ kind: "branch", branch: "dev" });
    expect(gitRefOf({})).toEqual({ kind: "branch", branch: "master" });
    expect(gitRefOf({ ref: { commit: A.toUpperCase() } })).toEqual({ kind: "commit", commit: A });
  });

  it("stalls on a short commit, a relative ref name and an invalid range", () => {
    for (const [ref, message] of [
      [{ commit: "abc123" }, "spec.ref.commit must be a full 40-character SHA-1 commit id"],
      [{ name: "main" }, "spec.ref.name must be a full reference"],
    ] as const) {
      expect(() => gitRefOf({ ref })).toThrow(
        expect.objectContaining({ stalled: true, reason: "InvalidSpec" }),
      );
      expect(() => gitRefOf({ ref })).toThrow(message);
    }
    // A SpecError, which the loop reports as Stalled like every invalid field.
    expect(() => gitRefOf({ ref: { semver: "not a range" } })).toThrow(
      expect.objectContaining({ reason: "InvalidSpec", field: "spec.ref.semver" }),
    );
  });
});

describe("highestMatchingTag", () => {
  const tags = ["v1.0.0", "v1.2.0", "1.3.0-rc.1", "v2.0.0", "latest", "1.1.9"];

  it("picks the highest satisfying tag, with Masterminds' comma for 'and'", () => {
    expect(highestMatchingTag(">=1.0.0, <2.0.0", tags)).toBe("v1.2.0");
    expect(highestMatchingTag("~1.1", tags)).toBe("1.1.9");
    expect(highestMatchingTag("*", tags)).toBe("v2.0.0");
    expect(highestMatchingTag(">=3", tags)).toBeUndefined();
  });

  it("leaves pre-releases out unless the range names one", () => {
    expect(highestMatchingTag("^1.3.0-rc.0", tags)).toBe("1.3.0-rc.1");
    expect(highestMatchingTag("^1.2", tags)).toBe("v1.2.0");
  });
});

describe("selectRef", () => {
  const listed: ListedRef[] = [
    { ref: "refs/heads/main", oid: A },
    { ref: "refs/tags/v1.0.0", oid: B, peeled: C },
    { ref: "refs/tags/v0.9.0", oid: A },
    { ref: "refs/pull/7/head", oid: C },
  ];
  const where = "https://git.example/repo.git";
  const select = (ref: GitRef) => selectRef(ref, listed, where);

  it("gives Flux's revision for each kind of ref", () => {
    expect(select({ kind: "branch", branch: "main" })).toEqual({
      fullRef: "refs/heads/main",
      commit: A,
      revision: `main@sha1:${A}`,
      pinned: false,
    });
    // An annotated tag is named by its commit, not the tag object.
    expect(select({ kind: "tag", tag: "v1.0.0" }).revision).toBe(`v1.0.0@sha1:${C}`);
    expect(select({ kind: "semver", range: "<1" }).revision).toBe(`v0.9.0@sha1:${A}`);
    expect(select({ kind: "name", name: "refs/pull/7/head" }).revision).toBe(`refs/pull/7/head@sha1:${C}`);
    expect(select({ kind: "commit", commit: B })).toEqual({
      fullRef: undefined,
      commit: B,
      revision: `sha1:${B}`,
      pinned: true,
    });
    expect(select({ kind: "commit", commit: B, branch: "main" }).revision).toBe(`main@sha1:${B}`);
  });

  it("names a missing ref and, once completed, a few that exist", () => {
    let error: unknown;
    try {
      select({ kind: "tag", tag: "v3" });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(MissingRefError);
    const missing = error as MissingRefError;
    expect(missing.alternativesPrefix).toBe("refs/tags/");
    expect(missing.withAlternatives(listed)).toMatchObject({
      reason: "GitOperationFailed",
      message: `tag 'v3' not found in ${where}; tags there: v1.0.0, v0.9.0`,
    });
    const branch = (() => {
      try {
        return select({ kind: "commit", commit: A, branch: "dev" });
      } catch (caught) {
        return (caught as MissingRefError).withAlternatives(listed);
      }
    })();
    expect(branch).toMatchObject({ message: `branch 'dev' not found in ${where}; branches there: main` });
  });

  it("says which tags exist when no tag matches a range", () => {
    expect(() => select({ kind: "semver", range: ">=2" })).toThrow(
      `no tag in ${where} matches semver range '>=2'; tags there: v1.0.0, v0.9.0`,
    );
  });
});
