import { describe, expect, it } from "vitest";
import { ReconcileError } from "../../../shared/reconcile/reconciler.ts";
import { packTarball } from "../../../shared/sources/artifact/tarball.ts";
import { readTarball } from "../../../shared/sources/artifact/untar.ts";
import { memoryFile } from "../../../shared/sources/source-file.ts";

const LIMIT = { maxBytes: 1024 * 1024 };

async function contents(files: Awaited<ReturnType<typeof readTarball>>) {
  return Object.fromEntries(
    await Promise.all(files.map(async (f) => [f.path, [f.mode, Buffer.from(await f.read()).toString()]])),
  );
}

describe("packTarball", () => {
  it("packs the same tree to the same bytes whatever the input order", async () => {
    const a = [memoryFile("b/x.yaml", "x"), memoryFile("a.yaml", "a"), memoryFile("b/c/y.yaml", "y")];
    const first = await packTarball(a, LIMIT);
    const second = await packTarball([...a].reverse(), LIMIT);
    expect(second.digest).toBe(first.digest);
    expect(Buffer.from(second.bytes).equals(Buffer.from(first.bytes))).toBe(true);
    expect(first.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(first.size).toBe(first.bytes.byteLength);
  });

  it("gives a different digest when one byte changes", async () => {
    const one = await packTarball([memoryFile("a.yaml", "replicas: 1")], LIMIT);
    const two = await packTarball([memoryFile("a.yaml", "replicas: 2")], LIMIT);
    expect(two.digest).not.toBe(one.digest);
  });

  it("round-trips files, executables and in-tree symlinks", async () => {
    const packed = await packTarball(
      [
        memoryFile("deploy/app.yaml", "kind: Deployment"),
        memoryFile("bin/run.sh", "#!/bin/sh", "executable"),
        memoryFile("deploy/current.yaml", "app.yaml", "symlink"),
      ],
      LIMIT,
    );
    expect(await contents(await readTarball(packed.bytes, LIMIT))).toEqual({
      "bin/run.sh": ["executable", "#!/bin/sh"],
      "deploy/app.yaml": ["file", "kind: Deployment"],
      "deploy/current.yaml": ["symlink", "app.yaml"],
    });
  });

  it("refuses a tree over the size limit and two entries with one path", async () => {
    const big = memoryFile("big.bin", new Uint8Array(2048));
    await expect(packTarball([big], { maxBytes: 1024 })).rejects.toMatchObject({
      reason: "SizeLimitExceeded",
    });
    await expect(packTarball([memoryFile("a", "1"), memoryFile("a", "2")], LIMIT)).rejects.toBeInstanceOf(
      ReconcileError,
    );
  });
});
