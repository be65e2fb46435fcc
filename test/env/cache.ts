import { createHash } from "node:crypto";
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

export { ensureCached } from "../../shared/runtime/cached-dir.ts";
