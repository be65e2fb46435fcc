import { describe, expect, it } from "vitest";
import { SpecError } from "../../../shared/api/errors.ts";
import { ReconcileError } from "../../../shared/reconcile/reconciler.ts";
import { isDigest, isTag, parseOciUrl } from "../../../shared/sources/oci/reference.ts";
import { readOciRepositorySpec } from "../../../shared/sources/oci/repository-spec.ts";

const DIGEST = `sha256:${"a".repeat(64)}`;

describe("OCI reference parsing", () => {
  it("splits oci:// URLs into host and repository", () => {
    expect(parseOciUrl("oci://ghcr.io/stefanprodan/manifests/podinfo")).toEqual({
      host: "ghcr.io",
      repository: "stefanprodan/manifests/podinfo",
      url: "oci://ghcr.io/stefanprodan/manifests/podinfo",
    });
    expect(parseOciUrl("oci://127.0.0.1:5000/team/app/")).toMatchObject({
      host: "127.0.0.1:5000",
      repository: "team/app",
    });
    expect(parseOciUrl("oci://123456789012.dkr.ecr.eu-west-1.amazonaws.com/a_b/c--d.e").repository).toBe(
      "a_b/c--d.e",
    );
  });

  it.each([
    ["https://ghcr.io/org/app", "must start with oci://"],
    ["oci://ghcr.io", "oci://<host>/<repository>"],
    ["oci://ghcr.io/org/app:v1", "must not contain a tag"],
    [`oci://ghcr.io/org/app@${DIGEST}`, "must not contain a digest"],
    ["oci://user:pw@ghcr.io/org/app", "must not contain credentials"],
    ["oci://ghcr.io/Org/App", "invalid repository path"],
    ["oci://ghcr.io/org//app", "invalid repository path"],
    ["oci://bad_host!/org/app", "invalid registry host"],
  ])("refuses %s", (url, why) => {
    const error = (() => {
      try {
        parseOciUrl(url);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(SpecError);
    expect((error as SpecError).field).toBe("spec.url");
    expect((error as Error).message).toContain(why);
  });

  it("recognises tags and digests", () => {
    expect(isTag("v1.2.3-rc.1_build")).toBe(true);
    expect(isTag(".hidden")).toBe(false);
    expect(isTag("x".repeat(129))).toBe(false);
    expect(isDigest(DIGEST)).toBe(true);
    expect(isDigest(`sha512:${"b".repeat(128)}`)).toBe(true);
    expect(isDigest("sha256:ABC")).toBe(false);
  });

  it("applies Flux's ref precedence: digest > semver > tag > latest", () => {
    const url = "oci://ghcr.io/org/app";
    expect(readOciRepositorySpec({ url }).ref).toEqual({ kind: "tag", tag: "latest" });
    expect(readOciRepositorySpec({ url, ref: { tag: "v1" } }).ref).toEqual({ kind: "tag", tag: "v1" });
    const semver = readOciRepositorySpec({
      url,
      ref: { tag: "v1", semver: ">=1.0.0, <2", semverFilter: "^v" },
    });
    expect(semver.ref).toMatchObject({ kind: "semver", filter: /^v/ });
    expect(readOciRepositorySpec({ url, ref: { tag: "v1", semver: "1.x", digest: DIGEST } }).ref).toEqual({
      kind: "digest",
      digest: DIGEST,
    });
  });

  it("stalls on bad or unsupported fields, naming them", () => {
    const url = "oci://ghcr.io/org/app";
    const failure = (spec: Record<string, unknown>) => {
      try {
        readOciRepositorySpec(spec);
      } catch (error) {
        return error as Error;
      }
      throw new Error("expected a failure");
    };
    expect(failure({ url, ref: { digest: "sha256:short" } })).toBeInstanceOf(SpecError);
    expect(failure({ url, ref: { semver: "not a range" } }).message).toContain("spec.ref.semver");
    expect(failure({ url, ref: { semver: "1.x", semverFilter: "(" } }).message).toContain("semverFilter");
    expect(failure({ url, layerSelector: { operation: "move" } }).message).toContain(
      "spec.layerSelector.operation",
    );
    for (const [field, value] of [
      ["verify", { provider: "cosign" }],
      ["certSecretRef", { name: "tls" }],
      ["proxySecretRef", { name: "proxy" }],
      ["serviceAccountName", "puller"],
      ["provider", "azure"],
    ] as const) {
      const error = failure({ url, [field]: value });
      expect(error).toBeInstanceOf(ReconcileError);
      expect((error as ReconcileError).stalled).toBe(true);
      expect(error.message).toContain("not supported yet");
    }
  });
});
