import { describe, expect, it } from "vitest";
import { SpecError } from "../../../shared/api/errors.ts";
import { ReconcileError } from "../../../shared/reconcile/reconciler.ts";
import { indexEntries, listingRevision } from "../../../shared/sources/bucket/bucket-index.ts";
import { readBucketSpec } from "../../../shared/sources/bucket/bucket-spec.ts";

const objects = [
  { key: "apps/deploy.yaml", etag: "e1", size: 10 },
  { key: "apps/service.yaml", etag: "e2", size: 20 },
  { key: "kustomization.yaml", etag: "e3", size: 30 },
];

describe("bucket listing revision", () => {
  it("is a sha256 digest that does not depend on listing order", () => {
    const revision = listingRevision(objects);
    expect(revision).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(listingRevision([...objects].reverse())).toBe(revision);
    expect(listingRevision([objects[1], objects[2], objects[0]].flatMap((o) => (o ? [o] : [])))).toBe(
      revision,
    );
  });

  it("changes when an ETag changes, or an object is added, removed or renamed", () => {
    const revision = listingRevision(objects);
    const changed = objects.map((o) => (o.key === "apps/service.yaml" ? { ...o, etag: "e2-new" } : o));
    expect(listingRevision(changed)).not.toBe(revision);
    expect(listingRevision(objects.slice(1))).not.toBe(revision);
    expect(listingRevision([...objects, { key: "extra.yaml", etag: "e4", size: 1 }])).not.toBe(revision);
    expect(listingRevision(objects.map((o, i) => (i === 0 ? { ...o, key: "apps/other.yaml" } : o)))).not.toBe(
      revision,
    );
  });

  it("cannot be forged by moving characters between a key and its ETag", () => {
    expect(listingRevision([{ key: "a b", etag: "c" }])).not.toBe(
      listingRevision([{ key: "a", etag: "b c" }]),
    );
  });
});

describe("bucket index entries", () => {
  it("drops folder markers and keeps keys as paths", () => {
    const entries = indexEntries([...objects, { key: "apps/", etag: "d", size: 0 }], "b");
    expect(entries.map((e) => e.path)).toEqual([
      "apps/deploy.yaml",
      "apps/service.yaml",
      "kustomization.yaml",
    ]);
  });

  it("refuses keys that escape the root, naming the key", () => {
    for (const key of ["../etc/passwd", "apps/../../x", "/abs.yaml"]) {
      expect(() => indexEntries([{ key, etag: "e", size: 1 }], "b")).toThrow(
        expect.objectContaining({ reason: "PathEscapesRoot", message: expect.stringContaining(key) }),
      );
    }
  });

  it("refuses two keys that land on the same path", () => {
    const clash = [
      { key: "a/b.yaml", etag: "1", size: 1 },
      { key: "a//b.yaml", etag: "2", size: 1 },
    ];
    expect(() => indexEntries(clash, "b")).toThrow(ReconcileError);
  });
});

describe("bucket spec", () => {
  const base = { bucketName: "manifests", endpoint: "minio.example.com:9000", interval: "5m" };

  it("defaults to the generic provider over HTTPS", () => {
    expect(readBucketSpec(base)).toEqual({
      provider: "generic",
      bucketName: "manifests",
      endpoint: "minio.example.com:9000",
      insecure: false,
    });
  });

  it("needs an endpoint for generic but not for aws", () => {
    expect(() => readBucketSpec({ bucketName: "b" })).toThrow(SpecError);
    expect(readBucketSpec({ bucketName: "b", provider: "aws", region: "eu-west-1" })).toMatchObject({
      provider: "aws",
      region: "eu-west-1",
    });
  });

  it("refuses an endpoint with a scheme", () => {
    expect(() => readBucketSpec({ ...base, endpoint: "http://minio:9000" })).toThrow(/spec\.endpoint/);
  });

  it("reports gcp, azure, sts, certSecretRef and proxySecretRef as unsupported and stalled", () => {
    const cases = [
      { provider: "gcp" },
      { provider: "azure" },
      { sts: { provider: "ldap", endpoint: "https://sts" } },
      { certSecretRef: { name: "ca" } },
      { proxySecretRef: { name: "proxy" } },
    ];
    for (const extra of cases) {
      let error: unknown;
      try {
        readBucketSpec({ ...base, ...extra });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ReconcileError);
      expect(error).toMatchObject({ stalled: true, message: expect.stringMatching(/not supported yet/) });
    }
  });
});
