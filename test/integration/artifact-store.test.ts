import { createHash, randomUUID } from "node:crypto";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pathToFileURL } from "node:url";
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
} from "@aws-sdk/client-s3";
import { describe, expect, it, vi } from "vitest";
import { S3ArtifactStore } from "../../shared/adapters/aws/s3-artifact-store.ts";
import { FsArtifactStore } from "../../shared/adapters/local/fs-artifact-store.ts";
import type { Digest } from "../../shared/ports/artifacts.ts";
import { isPortError } from "../../shared/ports/errors.ts";
import { artifactStoreContract } from "../contract/artifact-store.contract.ts";
import { awsClientConfig } from "../env/context.ts";
import { tempDir } from "../helpers/temp-dir.ts";

const MiB = 1024 * 1024;

function digestOf(bytes: Uint8Array): Digest {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

function s3Client(): S3Client {
  return new S3Client({ ...awsClientConfig(), forcePathStyle: true });
}

async function freshBucket(client: S3Client): Promise<string> {
  const bucket = `artifacts-${randomUUID()}`;
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  return bucket;
}

/** Names of the S3 commands sent through a spied client, in order. */
function commandNames(spy: { mock: { calls: unknown[][] } }): string[] {
  return spy.mock.calls.map(([command]) => (command as object).constructor.name);
}

artifactStoreContract("filesystem", async () => new FsArtifactStore({ dir: await tempDir() }));

artifactStoreContract("S3 on moto", async () => {
  const client = s3Client();
  return new S3ArtifactStore({ client, bucket: await freshBucket(client), prefix: "artifacts" });
});

describe("FsArtifactStore", () => {
  it("names files by digest and hands out file:// URLs", async () => {
    const dir = await tempDir();
    const bytes = Buffer.from("kind: Kustomization\n");
    const digest = digestOf(bytes);
    const stored = await new FsArtifactStore({ dir }).put(digest, bytes);
    expect(stored.url).toBe(pathToFileURL(join(dir, "sha256", digest.slice("sha256:".length))).href);
  });

  it("leaves no partial file behind when the digest does not match", async () => {
    const dir = await tempDir();
    const store = new FsArtifactStore({ dir });
    const claimed = digestOf(Buffer.from("expected"));
    await expect(store.put(claimed, Readable.from([Buffer.from("actual")]))).rejects.toSatisfy((e) =>
      isPortError(e, "Invalid"),
    );
    expect(await readdir(join(dir, "sha256"))).toEqual([]);
  });
});

describe("S3ArtifactStore", () => {
  it("stores under <prefix>/sha256/<hex> and hands out s3:// URLs", async () => {
    const client = s3Client();
    const bucket = await freshBucket(client);
    const bytes = Buffer.from("kind: HelmRelease\n");
    const digest = digestOf(bytes);
    const hex = digest.slice("sha256:".length);
    const stored = await new S3ArtifactStore({ client, bucket, prefix: "team-a/" }).put(digest, bytes);
    expect(stored.url).toBe(`s3://${bucket}/team-a/sha256/${hex}`);
    const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: `team-a/sha256/${hex}` }));
    expect(await object.Body?.transformToString()).toBe(bytes.toString());
  });

  it("uploads a large stream in parts and skips the upload when the digest exists", async () => {
    const client = s3Client();
    const bucket = await freshBucket(client);
    const store = new S3ArtifactStore({ client, bucket });
    const body = Buffer.alloc(12 * MiB, 7);
    const digest = digestOf(body);
    const send = vi.spyOn(client, "send");

    await store.put(digest, Readable.from([body.subarray(0, 5 * MiB), body.subarray(5 * MiB)]));
    const first = commandNames(send);
    expect(first).toContain("CreateMultipartUploadCommand");
    expect(first.filter((n) => n === "UploadPartCommand")).toHaveLength(3);
    expect(first).toContain("CompleteMultipartUploadCommand");

    send.mockClear();
    await store.put(digest, Readable.from([body]));
    await store.put(digest, body);
    expect(commandNames(send)).toEqual(["HeadObjectCommand", "HeadObjectCommand"]);
  });

  it("aborts the multipart upload of a mismatching stream, leaving no object and no parts", async () => {
    const client = s3Client();
    const bucket = await freshBucket(client);
    const store = new S3ArtifactStore({ client, bucket });
    const claimed = digestOf(Buffer.alloc(11 * MiB, 1));
    const send = vi.spyOn(client, "send");

    await expect(store.put(claimed, Readable.from([Buffer.alloc(11 * MiB, 2)]))).rejects.toSatisfy((e) =>
      isPortError(e, "Invalid"),
    );
    expect(commandNames(send)).toContain("AbortMultipartUploadCommand");
    expect(commandNames(send)).not.toContain("CompleteMultipartUploadCommand");
    const uploads = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
    expect(uploads.Uploads ?? []).toEqual([]);
    const objects = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
    expect(objects.KeyCount).toBe(0);
  });

  it("sends nothing for a buffer whose digest does not match", async () => {
    const client = s3Client();
    const bucket = await freshBucket(client);
    const send = vi.spyOn(client, "send");
    const put = new S3ArtifactStore({ client, bucket }).put(digestOf(Buffer.from("a")), Buffer.from("b"));
    await expect(put).rejects.toSatisfy((e) => isPortError(e, "Invalid"));
    expect(commandNames(send)).toEqual(["HeadObjectCommand"]);
  });
});
