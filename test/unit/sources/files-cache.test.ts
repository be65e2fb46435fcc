import { describe, expect, it } from "vitest";
import { ArtifactFilesCache } from "../../../shared/sources/artifact/files-cache.ts";
import { memoryFile } from "../../../shared/sources/source-file.ts";

const artifact = (bytes: number) => async () => [memoryFile("a.yaml", "x".repeat(bytes))];

describe("ArtifactFilesCache", () => {
  it("loads a digest once for every reader, concurrent ones included", async () => {
    const cache = new ArtifactFilesCache({ maxBytes: 1_000 });
    let loads = 0;
    const load = async () => {
      loads++;
      return artifact(10)();
    };
    const [a, b] = await Promise.all([cache.get("sha256:1", load), cache.get("sha256:1", load)]);
    await cache.get("sha256:1", load);
    expect(loads).toBe(1);
    expect(a).toBe(b);
  });

  it("keeps within its byte budget, dropping the least recently used first", async () => {
    const cache = new ArtifactFilesCache({ maxBytes: 250 });
    const loads: string[] = [];
    const get = (digest: string) =>
      cache.get(digest, async () => {
        loads.push(digest);
        return artifact(100)();
      });
    await get("one");
    await get("two");
    await get("one"); // one is now the most recent
    await get("three"); // over budget: two goes
    await get("one");
    await get("two");
    expect(loads).toEqual(["one", "two", "three", "two"]);
  });

  it("does not keep a failed load", async () => {
    const cache = new ArtifactFilesCache({ maxBytes: 1_000 });
    await expect(cache.get("bad", async () => Promise.reject(new Error("gone")))).rejects.toThrow("gone");
    expect(await cache.get("bad", artifact(1))).toHaveLength(1);
  });
});
