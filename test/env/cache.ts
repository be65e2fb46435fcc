import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";

/**
 * Where built servers, the moto virtualenv and the unpacked tools live. Outside the repository
 * so a fresh clone on a warm machine reuses them; override with SLUICE_TEST_CACHE.
 */
export function cacheRoot(): string {
  if (process.env.SLUICE_TEST_CACHE) return process.env.SLUICE_TEST_CACHE;
  const base = process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache");
  return join(base, "sluice-test");
}

/** A short, stable digest of the inputs of a build, so a changed input gets a new cache entry. */
export function inputKey(...inputs: (string | Buffer)[]): string {
  const hash = createHash("sha256");
  for (const input of inputs) hash.update(input).update("\0");
  return hash.digest("hex").slice(0, 12);
}

const READY = ".ready";

/**
 * Fills a cache entry exactly once. The entry is built in a scratch folder and renamed into
 * place with a marker, so an interrupted build never leaves a half entry that looks usable.
 */
export async function ensureCached(dir: string, build: (scratch: string) => Promise<void>): Promise<string> {
  if (existsSync(join(dir, READY))) return dir;
  const scratch = `${dir}.partial-${process.pid}`;
  await rm(scratch, { recursive: true, force: true });
  await mkdir(scratch, { recursive: true });
  try {
    await build(scratch);
    await writeFile(join(scratch, READY), new Date().toISOString());
    await rm(dir, { recursive: true, force: true });
    await rename(scratch, dir);
  } catch (error) {
    await rm(scratch, { recursive: true, force: true });
    throw error;
  }
  return dir;
}
