import { describe, expect, it } from "vitest";
import { ReconcileError } from "../../../shared/reconcile/reconciler.ts";
import { credentialsFromSecret } from "../../../shared/sources/oci/docker-config.ts";
import {
  digestOf,
  OCI_INDEX,
  type OciIndex,
  parseManifestDocument,
  pickPlatform,
  verifyDigest,
} from "../../../shared/sources/oci/manifest.ts";

const digest = (c: string) => `sha256:${c.repeat(64)}`;
const bytes = (value: unknown) =>
  new TextEncoder().encode(typeof value === "string" ? value : JSON.stringify(value));
const manifest = {
  schemaVersion: 2,
  mediaType: "application/vnd.oci.image.manifest.v1+json",
  config: { mediaType: "application/vnd.cncf.flux.config.v1+json", digest: digest("a"), size: 2 },
  layers: [{ mediaType: "application/vnd.cncf.flux.content.v1.tar+gzip", digest: digest("b"), size: 10 }],
  annotations: { "org.opencontainers.image.revision": "main@sha1:abc" },
};

function failure(run: () => unknown): ReconcileError {
  try {
    run();
  } catch (error) {
    if (error instanceof ReconcileError) return error;
    throw error;
  }
  throw new Error("expected a ReconcileError");
}

describe("OCI manifests", () => {
  it("parses image manifests and indexes, with or without a mediaType in the document", () => {
    const parsed = parseManifestDocument(bytes(manifest), "", "r/app:v1");
    expect(parsed).toMatchObject({ kind: "manifest", manifest: { annotations: manifest.annotations } });
    const index = {
      schemaVersion: 2,
      manifests: [{ ...manifest.config, mediaType: "x", digest: digest("c") }],
    };
    expect(parseManifestDocument(bytes(index), `${OCI_INDEX}; charset=utf-8`, "r").kind).toBe("index");
  });

  it.each([
    ["not JSON", "{oops", "not valid JSON"],
    ["a list", [], "not a JSON object"],
    ["schema 1", { ...manifest, schemaVersion: 1 }, "schemaVersion 1 is not 2"],
    ["no layers", { ...manifest, layers: undefined }, "no layers list"],
    [
      "a bad digest",
      { ...manifest, layers: [{ ...manifest.layers[0], digest: "md5:x" }] },
      "layers[0].digest",
    ],
    ["a bad size", { ...manifest, config: { ...manifest.config, size: -1 } }, "config.size"],
    ["bad annotations", { ...manifest, annotations: { a: 1 } }, "annotations must be a map of strings"],
  ])("refuses a manifest with %s as corrupt", (_, document, why) => {
    const error = failure(() => parseManifestDocument(bytes(document), "", "r/app:v1"));
    expect(error.reason).toBe("OCIPullFailed");
    expect(error.message).toContain("the manifest of r/app:v1 is corrupt");
    expect(error.message).toContain(why);
  });

  it("picks linux/amd64 from an index, or its only entry", () => {
    const entry = (c: string, os: string, architecture: string) => ({
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      digest: digest(c),
      size: 1,
      platform: { os, architecture },
    });
    const index: OciIndex = { manifests: [entry("1", "linux", "arm64"), entry("2", "linux", "amd64")] };
    expect(pickPlatform(index, "r").digest).toBe(digest("2"));
    expect(pickPlatform({ manifests: [entry("3", "windows", "amd64")] }, "r").digest).toBe(digest("3"));
    const noAmd64 = { manifests: [entry("4", "linux", "arm64"), entry("5", "linux", "s390x")] };
    expect(failure(() => pickPlatform(noAmd64, "r")).message).toContain("2 entries and none for linux/amd64");
    expect(failure(() => pickPlatform({ manifests: [] }, "r")).message).toContain("none for linux/amd64");
  });

  it("says what was expected and what arrived on a digest mismatch", () => {
    const data = bytes("hello");
    expect(() => verifyDigest(data, digestOf(data), "blob")).not.toThrow();
    expect(() => verifyDigest(data, digestOf(data, "sha512"), "blob")).not.toThrow();
    const error = failure(() => verifyDigest(data, digest("0"), "blob x"));
    expect(error.message).toBe(`blob x: digest mismatch: expected ${digest("0")}, got ${digestOf(data)}`);
  });
});

describe("registry credentials from a Secret", () => {
  const dockerConfig = (auths: Record<string, unknown>) => ({
    ".dockerconfigjson": JSON.stringify({ auths }),
  });

  it("reads docker config entries by host, with username/password or auth", () => {
    const auth = Buffer.from("robot:s3cret:with:colons").toString("base64");
    expect(
      credentialsFromSecret(dockerConfig({ "https://ghcr.io/v1/": { auth } }), "ghcr.io", "ns/pull"),
    ).toEqual({
      username: "robot",
      password: "s3cret:with:colons",
    });
    const explicit = dockerConfig({ "127.0.0.1:5000": { username: "u", password: "p" } });
    expect(credentialsFromSecret(explicit, "127.0.0.1:5000", "ns/pull")).toEqual({
      username: "u",
      password: "p",
    });
    expect(credentialsFromSecret({ username: "u", password: "p" }, "any", "ns/pull")).toEqual({
      username: "u",
      password: "p",
    });
  });

  it("names the secret and host when nothing fits, never the secret's content", () => {
    const other = failure(() =>
      credentialsFromSecret(
        dockerConfig({ "docker.io": { username: "u", password: "hunter22" } }),
        "ghcr.io",
        "ns/pull",
      ),
    );
    expect(other.reason).toBe("AuthenticationFailed");
    expect(other.message).toContain("secret 'ns/pull' has no credentials for ghcr.io");
    const broken = failure(() =>
      credentialsFromSecret({ ".dockerconfigjson": "{hunter22" }, "ghcr.io", "ns/pull"),
    );
    expect(broken.message).toBe("secret 'ns/pull': .dockerconfigjson is not valid JSON");
    expect(failure(() => credentialsFromSecret({ token: "x" }, "ghcr.io", "ns/pull")).message).toContain(
      "holds no registry credentials",
    );
  });
});
