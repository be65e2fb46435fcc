import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  PutBucketPolicyCommand,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { describe, expect, it, onTestFinished } from "vitest";
import { S3BucketConnector } from "../../../shared/adapters/aws/s3-bucket-connector.ts";
import type { BucketConnector } from "../../../shared/ports/buckets.ts";
import type { StoredObject } from "../../../shared/ports/index.ts";
import type { ReconcileResult } from "../../../shared/reconcile/reconciler.ts";
import { artifactOf } from "../../../shared/sources/artifact/publish.ts";
import { BucketReconciler } from "../../../shared/sources/bucket/reconciler.ts";
import type { SourceLimits } from "../../../shared/sources/source-deps.ts";
import { awsClientConfig, testEnv } from "../../env/context.ts";
import { sourceHarness } from "../../helpers/source-harness.ts";

const SECRET = { accesskey: "bucket-reader-key", secretkey: "bucket-reader-secret-value" };

function s3(): S3Client {
  return new S3Client({
    ...awsClientConfig(),
    forcePathStyle: true,
    requestChecksumCalculation: "WHEN_REQUIRED",
  });
}

async function bucketWith(
  files: Record<string, string>,
): Promise<{ name: string; put: typeof put; remove: typeof remove }> {
  const client = s3();
  const name = `bucket-${randomUUID()}`;
  await client.send(new CreateBucketCommand({ Bucket: name }));
  const put = async (more: Record<string, string>) => {
    for (const [Key, Body] of Object.entries(more))
      await client.send(new PutObjectCommand({ Bucket: name, Key, Body: Buffer.from(Body) }));
  };
  const remove = async (Key: string) => {
    await client.send(new DeleteObjectCommand({ Bucket: name, Key }));
  };
  await put(files);
  return { name, put, remove };
}

/** The moto endpoint as a Bucket's `spec.endpoint` (host:port; `insecure` picks http). */
function motoHost(): string {
  return new URL(testEnv().aws.endpoint).host;
}

async function harness(options: { buckets?: BucketConnector; limits?: Partial<SourceLimits> } = {}) {
  const { buckets = new S3BucketConnector({ clientConfig: awsClientConfig() }) } = options;
  const h = await sourceHarness({
    kind: "Bucket",
    reconciler: (deps) => new BucketReconciler({ ...deps, buckets }),
    limits: options.limits,
  });
  await h.secret("s3-keys", SECRET);
  await h.secret("half-keys", { accesskey: "only" });
  return {
    ...h,
    /**
     * One run of the reconciler alone, with the loop's status merge applied to the returned
     * object; a failure throws, so tests see the ReconcileError itself.
     */
    async run(object: StoredObject): Promise<{ result: ReconcileResult; object: StoredObject }> {
      const result = await h.reconciler.reconcile({
        object,
        now: Date.now(),
        signal: new AbortController().signal,
      });
      const status = { ...object.status, ...result.status, observedGeneration: object.generation };
      return { result, object: { ...object, status, statusVersion: object.statusVersion + 1 } };
    },
  };
}

function bucketObject(spec: Record<string, unknown>): StoredObject {
  return {
    key: { kind: "Bucket", namespace: "default", name: "manifests" },
    apiVersion: "source.toolkit.fluxcd.io/v1",
    metadata: {},
    spec: { interval: "5m", ...spec },
    generation: 1,
    status: undefined,
    statusVersion: 0,
    dueAt: undefined,
  };
}

function genericSpec(bucketName: string, extra: Record<string, unknown> = {}) {
  return { bucketName, endpoint: motoHost(), insecure: true, secretRef: { name: "s3-keys" }, ...extra };
}

async function failure(
  promise: Promise<unknown>,
): Promise<{ reason: string; message: string; stalled: boolean }> {
  try {
    await promise;
  } catch (error) {
    return error as { reason: string; message: string; stalled: boolean };
  }
  throw new Error("expected the run to fail");
}

describe("BucketReconciler on moto", () => {
  it("stores the bucket as an artifact, then polls an unchanged bucket with one listing and no downloads", async () => {
    const files = { "kustomization.yaml": "resources: [apps]\n", "apps/deploy.yaml": "kind: Deployment\n" };
    const bucket = await bucketWith({ ...files, "apps/": "" });
    const h = await harness();
    const first = await h.run(bucketObject(genericSpec(bucket.name)));
    const artifact = artifactOf(first.object);
    expect(artifact?.revision).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(first.result.events?.map((e) => e.reason)).toEqual(["ArtifactUpdated"]);
    expect(await h.files(artifact)).toEqual(files);

    h.meter.reset();
    const second = await h.run(first.object);
    expect(h.meter).toMatchObject({ requests: 1, bytesIn: 0 });
    expect(second.result.events ?? []).toEqual([]);
    expect(second.object.status).toEqual(first.object.status);

    await bucket.put({ "apps/deploy.yaml": "kind: Deployment\nmetadata: {name: web}\n" });
    const third = await h.run(second.object);
    expect(artifactOf(third.object)?.revision).not.toBe(artifact?.revision);
    expect((await h.files(artifactOf(third.object)))["apps/deploy.yaml"]).toContain("name: web");

    await bucket.remove("kustomization.yaml");
    const fourth = await h.run(third.object);
    expect(Object.keys(await h.files(artifactOf(fourth.object)))).toEqual(["apps/deploy.yaml"]);
  });

  it("reads only the prefix, keeping the keys as paths as Flux does", async () => {
    const bucket = await bucketWith({ "prod/app.yaml": "prod\n", "staging/app.yaml": "staging\n" });
    const h = await harness();
    const { object } = await h.run(bucketObject(genericSpec(bucket.name, { prefix: "prod/" })));
    expect(await h.files(artifactOf(object))).toEqual({ "prod/app.yaml": "prod\n" });
  });

  it("applies spec.ignore and .sourceignore at the bucket root, even with a prefix", async () => {
    const bucket = await bucketWith({
      ".sourceignore": "*.md\n",
      "apps/app.yaml": "app\n",
      "apps/README.md": "docs\n",
      "apps/secret.env": "x\n",
      "apps/.sourceignore": "drafts/\n",
      "apps/drafts/wip.yaml": "wip\n",
    });
    const h = await harness();
    const spec = genericSpec(bucket.name, { prefix: "apps/", ignore: "*.env\n" });
    const first = await h.run(bucketObject(spec));
    expect(Object.keys(await h.files(artifactOf(first.object))).sort()).toEqual([
      "apps/.sourceignore",
      "apps/app.yaml",
    ]);

    // A change to an ignored object alone is no new revision.
    await bucket.put({ "apps/README.md": "more docs\n" });
    const second = await h.run(first.object);
    expect(artifactOf(second.object)).toEqual(artifactOf(first.object));
    expect(second.result.events ?? []).toEqual([]);
  });

  it("refuses a key that escapes the root and keeps serving the last artifact", async () => {
    const bucket = await bucketWith({ "app.yaml": "app\n" });
    const h = await harness();
    const { object } = await h.run(bucketObject(genericSpec(bucket.name)));
    await bucket.put({ "apps/../../evil.yaml": "evil\n" });
    const error = await failure(h.run(object));
    expect(error).toMatchObject({
      reason: "PathEscapesRoot",
      message: expect.stringContaining("apps/../../evil.yaml"),
    });
    expect(await h.deps.artifacts.stat(artifactOf(object)?.digest ?? "sha256:")).toBeDefined();
  });

  it("refuses a bucket over the size limit before downloading anything", async () => {
    const bucket = await bucketWith({ "big.yaml": "x".repeat(4096) });
    const h = await harness({ limits: { maxArtifactBytes: 1024 } });
    const error = await failure(h.run(bucketObject(genericSpec(bucket.name))));
    expect(error).toMatchObject({ reason: "SizeLimitExceeded" });
    expect(h.meter).toMatchObject({ requests: 1, bytesIn: 0 });
  });

  it("says which bucket does not exist", async () => {
    const h = await harness();
    const error = await failure(h.run(bucketObject(genericSpec("no-such-bucket-here"))));
    expect(error).toMatchObject({
      reason: "BucketOperationFailed",
      message: expect.stringContaining("bucket 'no-such-bucket-here' not found"),
    });
  });

  it("reports a missing secret and a secret without Flux's keys as AuthenticationFailed", async () => {
    const bucket = await bucketWith({ "app.yaml": "app\n" });
    const h = await harness();
    const missing = await failure(
      h.run(bucketObject(genericSpec(bucket.name, { secretRef: { name: "absent" } }))),
    );
    expect(missing).toMatchObject({
      reason: "AuthenticationFailed",
      message: expect.stringContaining("default/absent"),
    });
    const partial = await failure(
      h.run(bucketObject(genericSpec(bucket.name, { secretRef: { name: "half-keys" } }))),
    );
    expect(partial).toMatchObject({
      reason: "AuthenticationFailed",
      message: expect.stringMatching(/default\/half-keys.*'accesskey' and 'secretkey'/),
    });
  });

  it("uses the runtime's own credentials for provider aws", async () => {
    const bucket = await bucketWith({ "app.yaml": "app\n" });
    const h = await harness({
      buckets: new S3BucketConnector({ clientConfig: { ...awsClientConfig(), forcePathStyle: true } }),
    });
    const { object } = await h.run(bucketObject({ provider: "aws", bucketName: bucket.name }));
    expect(await h.files(artifactOf(object))).toEqual({ "app.yaml": "app\n" });
  });

  it("reads a public bucket anonymously when no secretRef is given", async () => {
    const bucket = await bucketWith({ "app.yaml": "app\n" });
    const h = await harness();
    const spec = { bucketName: bucket.name, endpoint: motoHost(), insecure: true };
    const denied = await failure(h.run(bucketObject(spec)));
    expect(denied).toMatchObject({
      reason: "AuthenticationFailed",
      message: expect.stringContaining("anonymous"),
    });

    const publicRead = {
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: "*",
          Action: ["s3:GetObject"],
          Resource: [`arn:aws:s3:::${bucket.name}/*`],
        },
        {
          Effect: "Allow",
          Principal: "*",
          Action: ["s3:ListBucket"],
          Resource: [`arn:aws:s3:::${bucket.name}`],
        },
      ],
    };
    await s3().send(new PutBucketPolicyCommand({ Bucket: bucket.name, Policy: JSON.stringify(publicRead) }));
    const { object } = await h.run(bucketObject(spec));
    expect(await h.files(artifactOf(object))).toEqual({ "app.yaml": "app\n" });
  });
});

describe("BucketReconciler failures at the endpoint", () => {
  it("reports refused keys as AuthenticationFailed naming the secret, never its values", async () => {
    // moto accepts any keys unless IAM checks are switched on for the whole server, which
    // would break every other test sharing it; a stub that answers like S3 stands in.
    const server = createServer((_req, res) => {
      res.writeHead(403, { "content-type": "application/xml" });
      res.end(
        `<?xml version="1.0" encoding="UTF-8"?><Error><Code>InvalidAccessKeyId</Code><Message>The AWS Access Key Id you provided does not exist in our records.</Message><AWSAccessKeyId>${SECRET.accesskey}</AWSAccessKeyId></Error>`,
      );
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const endpoint = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    const h = await harness({ buckets: new S3BucketConnector({ clientConfig: { maxAttempts: 1 } }) });
    const error = await failure(h.run(bucketObject({ ...genericSpec("manifests"), endpoint })));
    expect(error).toMatchObject({
      reason: "AuthenticationFailed",
      message: expect.stringContaining("default/s3-keys"),
    });
    expect(error.message).not.toContain(SECRET.accesskey);
    expect(error.message).not.toContain(SECRET.secretkey);
  });

  it("reports an unreachable endpoint as BucketOperationFailed", async () => {
    const h = await harness({ buckets: new S3BucketConnector({ clientConfig: { maxAttempts: 1 } }) });
    const error = await failure(
      h.run(bucketObject({ ...genericSpec("manifests"), endpoint: "127.0.0.1:1" })),
    );
    expect(error).toMatchObject({
      reason: "BucketOperationFailed",
      message: expect.stringContaining("unreachable"),
    });
  });
});
