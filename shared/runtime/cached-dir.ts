import { existsSync } from "node:fs";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";

const READY = ".ready";

/**
 * Fills a cache folder exactly once. It is built in a scratch folder and renamed into place
 * with a marker, so an interrupted build never leaves a half folder that looks usable.
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
