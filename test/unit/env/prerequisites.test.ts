import { spawnSync } from "node:child_process";
import { mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../helpers/temp-dir.ts";

const prepareScript = fileURLToPath(new URL("../../env/prepare.ts", import.meta.url));

describe("test environment prerequisites", () => {
  it("fails with one line naming the missing tool and how to install it", async () => {
    // A PATH that has node and a shell but none of git, go, python3 or docker-registry.
    const bin = join(await tempDir("sluice-path-"), "bin");
    mkdirSync(bin);
    symlinkSync(process.execPath, join(bin, "node"));
    symlinkSync("/bin/sh", join(bin, "sh"));
    const result = spawnSync(process.execPath, [prepareScript], {
      encoding: "utf8",
      env: {
        PATH: bin,
        HOME: process.env.HOME,
        SLUICE_TEST_CACHE: await tempDir("sluice-cache-"),
      },
    });
    expect(result.status).toBe(1);
    const lines = result.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^test environment: git not found: .*apt-get install git/);
  });
});
