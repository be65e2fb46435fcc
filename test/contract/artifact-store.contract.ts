import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import type { ArtifactStore, Digest } from "../../shared/ports/artifacts.ts";
import { isPortError } from "../../shared/ports/errors.ts";

const MiB = 1024 * 1024;

function digestOf(bytes: Uint8Array): Digest {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

/** Deterministic bytes made block by block, so a large body never sits whole in memory. */
function* blocks(size: number, seed: number): Generator<Buffer> {
  const blockSize = 64 * 1024;
  for (let offset = 0; offset < size; offset += blockSize) {
    const block = Buffer.alloc(Math.min(blockSize, size - offset), (seed + offset / blockSize) & 0xff);
    block.writeUInt32BE(offset, 0);
    yield block;
  }
}

function generated(size: number, seed: number): Readable {
  return Readable.from(blocks(size, seed));
}

/** Digest and size of a stream, read chunk by chunk. */
async function measure(body: AsyncIterable<Uint8Array>): Promise<{ digest: Digest; size: number }> {
  const hash = createHash("sha256");
  let size = 0;
  for await (const chunk of body) {
    hash.update(chunk);
    size += chunk.byteLength;
  }
  return { digest: `sha256:${hash.digest("hex")}`, size };
}

async function bytesOf(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

async function expectPortError(promise: Promise<unknown>, reason: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isPortError(error) ? error.reason : error).toBe(reason);
}

async function expectAbsent(store: ArtifactStore, digest: Digest): Promise<void> {
  expect(await store.stat(digest)).toBeUndefined();
  await expectPortError(store.get(digest), "NotFound");
}

/** The behaviour every ArtifactStore adapter must show; `make` returns an empty store. */
export function artifactStoreContract(name: string, make: () => Promise<ArtifactStore>): void {
  describe(`ArtifactStore contract: ${name}`, () => {
    const bytes = Buffer.from("apiVersion: v1\nkind: ConfigMap\n");
    const digest = digestOf(bytes);

    it("stores bytes from a buffer and returns them", async () => {
      const store = await make();
      const stored = await store.put(digest, bytes);
      expect(stored).toMatchObject({ digest, size: bytes.byteLength });
      expect(stored.url).toMatch(/^(file|s3):\/\//);
      expect(await store.stat(digest)).toEqual(stored);
      expect(await bytesOf(await store.get(digest))).toEqual(bytes);
    });

    it("stores bytes from a stream and returns them", async () => {
      const store = await make();
      const stored = await store.put(digest, Readable.from([bytes.subarray(0, 7), bytes.subarray(7)]));
      expect(stored).toMatchObject({ digest, size: bytes.byteLength });
      expect(await bytesOf(await store.get(digest))).toEqual(bytes);
    });

    it("stores an empty body", async () => {
      const store = await make();
      const empty = digestOf(new Uint8Array());
      expect(await store.put(empty, Readable.from([]))).toMatchObject({ digest: empty, size: 0 });
      expect(await bytesOf(await store.get(empty))).toHaveLength(0);
    });

    it("streams a large body in and out with the right digest and size", async () => {
      const store = await make();
      const size = 20 * MiB + 12_345;
      const expected = await measure(generated(size, 1));
      const stored = await store.put(expected.digest, generated(size, 1));
      expect(stored).toMatchObject({ digest: expected.digest, size });
      expect(await store.stat(expected.digest)).toEqual(stored);
      expect(await measure(await store.get(expected.digest))).toEqual(expected);
    });

    it("refuses bytes that do not match the digest and stores nothing", async () => {
      const store = await make();
      const other = Buffer.from("something else");
      await expectPortError(store.put(digest, other), "Invalid");
      await expectAbsent(store, digest);
      await expectPortError(store.put(digest, Readable.from([other])), "Invalid");
      await expectAbsent(store, digest);
    });

    it("refuses a large streamed body that does not match and stores nothing", async () => {
      const store = await make();
      const size = 12 * MiB;
      const { digest: claimed } = await measure(generated(size, 2));
      await expectPortError(store.put(claimed, generated(size, 3)), "Invalid");
      await expectAbsent(store, claimed);
    });

    it("treats a second put of the same digest as a no-op that does not read the body", async () => {
      const store = await make();
      const first = await store.put(digest, bytes);
      let read = false;
      const again = new Readable({
        read() {
          read = true;
          this.push(bytes);
          this.push(null);
        },
      });
      expect(await store.put(digest, again)).toEqual(first);
      expect(read).toBe(false);
      expect(await store.put(digest, bytes)).toEqual(first);
      expect(await bytesOf(await store.get(digest))).toEqual(bytes);
    });

    it("accepts concurrent puts of the same digest", async () => {
      const store = await make();
      const size = 6 * MiB;
      const expected = await measure(generated(size, 4));
      const results = await Promise.all([
        store.put(expected.digest, generated(size, 4)),
        store.put(expected.digest, generated(size, 4)),
      ]);
      expect(results[0]).toEqual(results[1]);
      expect(await measure(await store.get(expected.digest))).toEqual(expected);
    });

    it("stats an artifact without reading it, and undefined when absent", async () => {
      const store = await make();
      expect(await store.stat(digest)).toBeUndefined();
      const stored = await store.put(digest, bytes);
      expect(await store.stat(digest)).toEqual(stored);
    });

    it("deletes an artifact, and deleting an absent one is fine", async () => {
      const store = await make();
      await store.put(digest, bytes);
      await store.delete(digest);
      await expectAbsent(store, digest);
      await store.delete(digest);
      await store.delete(digestOf(Buffer.from("never stored")));
    });

    it("rejects malformed digests as Invalid", async () => {
      const store = await make();
      const hex = digest.slice("sha256:".length);
      const malformed = [
        "sha256:xyz",
        `sha256:${hex.slice(1)}`,
        `sha256:${hex.toUpperCase()}`,
        `sha512:${hex}`,
        hex,
        `sha256:${hex}/../x`,
      ] as Digest[];
      for (const bad of malformed) {
        await expectPortError(store.put(bad, bytes), "Invalid");
        await expectPortError(store.get(bad), "Invalid");
        await expectPortError(store.stat(bad), "Invalid");
        await expectPortError(store.delete(bad), "Invalid");
      }
    });
  });
}
