import { setTimeout as sleep } from "node:timers/promises";
import { EnvError } from "./errors.ts";
import type { ManagedProcess } from "./process.ts";

export interface WaitOptions {
  readonly timeoutMs?: number;
  readonly intervalMs?: number;
}

/**
 * Polls until `ready` returns true. Fails fast, with the server's own last log lines, when the
 * process dies instead of becoming ready, so a broken server is a clear error, not a timeout.
 */
export async function waitUntilReady(
  proc: ManagedProcess,
  ready: () => Promise<boolean>,
  options: WaitOptions = {},
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  while (Date.now() < deadline) {
    if (proc.exited()) {
      throw new EnvError(
        "StartFailed",
        `${proc.name} exited during start-up: ${await proc.tail(5)} (log: ${proc.logFile})`,
      );
    }
    if (await ready().catch(() => false)) return;
    await sleep(options.intervalMs ?? 100);
  }
  throw new EnvError(
    "StartFailed",
    `${proc.name} was not ready in time: ${await proc.tail(5)} (log: ${proc.logFile})`,
  );
}
