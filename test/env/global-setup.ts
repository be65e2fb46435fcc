import type { TestProject } from "vitest/node";
import { startEnvironment, type TestEnvironment } from "./environment.ts";
import { EnvError } from "./errors.ts";
import { prepare } from "./prepare.ts";

/**
 * Vitest global setup for the integration project: builds what is missing (first run only),
 * starts every real server once per test run, hands their addresses to the test workers,
 * and returns the teardown that stops them all.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let env: TestEnvironment;
  try {
    env = await startEnvironment(await prepare());
  } catch (error) {
    // One line that says what to fix; vitest would otherwise print a long stack.
    if (error instanceof EnvError) throw new Error(`test environment: ${error.message}`);
    throw error;
  }
  const { startSeconds } = env.info;
  console.error(
    `[test-env] ready: ${Object.entries(startSeconds)
      .map(([k, v]) => `${k} ${v}s`)
      .join(", ")}`,
  );
  project.provide("sluiceEnv", env.info);
  return () => env.stop();
}
