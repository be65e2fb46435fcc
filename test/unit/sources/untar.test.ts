import { createGzip } from "node:zlib";
import { pack } from "tar-stream";
import { describe, expect, it } from "vitest";
import { readTarball } from "../../../shared/sources/artifact/untar.ts";

type Entry = {
  name: string;
  type?: "file" | "symlink" | "link" | "directory";
  linkname?: string;
  body?: string;
};

/** A hand-made archive, as an attacker would craft one: no sanitising on the way in. */
async function craft(entries: Entry[]): Promise<Buffer> {
  const tar = pack();
  const gzip = tar.pipe(createGzip());
  const chunks: Buffer[] = [];
  gzip.on("data", (c: Buffer) => chunks.push(c));
  const done = new Promise((resolve) => gzip.on("end", resolve));
  for (const e of entries) {
    tar.entry(
      { name: e.name, type: e.type ?? "file", ...(e.linkname ? { linkname: e.linkname } : {}) },
      e.body ?? "",
    );
  }
  tar.finalize();
  await done;
  return Buffer.concat(chunks);
}

const LIMIT = { maxBytes: 1024 };

describe("readTarball", () => {
  it("reads files and strips leading components", async () => {
    const files = await readTarball(await craft([{ name: "chart/values.yaml", body: "a: 1" }]), {
      ...LIMIT,
      stripComponents: 1,
    });
    expect(files.map((f) => f.path)).toEqual(["values.yaml"]);
  });

  it.each([
    ["a parent-directory path", { name: "../../etc/passwd", body: "x" }],
    ["an absolute path", { name: "/etc/passwd", body: "x" }],
    ["a symlink out of the root", { name: "link", type: "symlink", linkname: "../../secret" }],
    ["an absolute symlink", { name: "link", type: "symlink", linkname: "/etc/shadow" }],
  ] as const)("refuses %s", async (_, entry) => {
    await expect(readTarball(await craft([entry as Entry]), LIMIT)).rejects.toMatchObject({
      reason: "PathEscapesRoot",
    });
  });

  it("refuses hard links", async () => {
    const archive = await craft([
      { name: "a", body: "x" },
      { name: "b", type: "link", linkname: "a" },
    ]);
    await expect(readTarball(archive, LIMIT)).rejects.toMatchObject({ reason: "ArchiveInvalid" });
  });

  it("refuses an archive that unpacks past the limit, and bytes that are not an archive", async () => {
    const archive = await craft([{ name: "big", body: "x".repeat(2000) }]);
    await expect(readTarball(archive, LIMIT)).rejects.toMatchObject({ reason: "SizeLimitExceeded" });
    await expect(readTarball(Buffer.from("not a tarball"), LIMIT)).rejects.toMatchObject({
      reason: "ArchiveInvalid",
    });
  });
});
