import { type ChildProcess, spawn } from "node:child_process";
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { EnvError } from "./errors.ts";

export interface StartOptions {
  /** Short name used in errors and as the log file name. */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  /** Folder for the log file; the process writes stdout and stderr there. */
  readonly logDir: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
}

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** True once the process has exited, for whatever reason. */
  exited(): boolean;
  /** The last lines of the process's log, for error messages. */
  tail(lines?: number): Promise<string>;
  /** SIGTERM to the whole process group, SIGKILL after a grace period; resolves once it is gone. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Every process this module starts is recorded in a pid file under one folder per test run.
 * If the run dies without tearing down (SIGKILL, a crash in the runner), the next run finds
 * the folder of a dead owner and stops what it left behind, so nothing is orphaned for long.
 */
const RUN_PREFIX = "sluice-test-run-";
const runDir = join(tmpdir(), `${RUN_PREFIX}${process.pid}`);
const live = new Map<number, ChildProcess>();
let exitHookInstalled = false;

/**
 * Whether a pid is a running process. A killed child whose parent died is re-parented to
 * PID 1, which in some sandboxes never reaps it: such a zombie counts as gone.
 */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

function record(pid: number, command: string): void {
  writeFileSync(join(runDir, `${pid}.pid`), command);
}

function forget(pid: number): void {
  rmSync(join(runDir, `${pid}.pid`), { force: true });
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Synchronous on purpose: 'exit' handlers cannot await, and a signal kill must still land.
  process.on("exit", () => {
    for (const pid of live.keys()) killGroup(pid, "SIGKILL");
    rmSync(runDir, { recursive: true, force: true });
  });
}

/** Stops processes left by earlier runs whose runner no longer exists. */
export function reapOrphans(): number {
  let reaped = 0;
  for (const entry of readdirSync(tmpdir())) {
    if (!entry.startsWith(RUN_PREFIX)) continue;
    const owner = Number(entry.slice(RUN_PREFIX.length));
    if (owner === process.pid || isRunning(owner)) continue;
    const dir = join(tmpdir(), entry);
    for (const file of existsSync(dir) ? readdirSync(dir) : []) {
      const pid = Number(file.replace(/\.pid$/, ""));
      const command = readFileSync(join(dir, file), "utf8");
      // Only kill a pid that still runs the command we started, never a reused pid.
      const cmdline = existsSync(`/proc/${pid}/cmdline`) ? readFileSync(`/proc/${pid}/cmdline`, "utf8") : "";
      if (cmdline.startsWith(command)) {
        killGroup(pid, "SIGKILL");
        reaped++;
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }
  return reaped;
}

export function startProcess(options: StartOptions): ManagedProcess {
  installExitHook();
  mkdirSync(runDir, { recursive: true });
  mkdirSync(options.logDir, { recursive: true });
  const logFile = join(options.logDir, `${options.name}.log`);
  const fd = openSync(logFile, "a");
  const child = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ["ignore", fd, fd],
    // Its own process group, so stop() also reaches anything the server forks.
    detached: true,
  });
  closeSync(fd);
  if (child.pid === undefined) {
    throw new EnvError("StartFailed", `${options.name} could not be started (${options.command})`);
  }
  const pid = child.pid;
  let done = false;
  const gone = new Promise<void>((resolve) => {
    child.once("exit", () => {
      done = true;
      live.delete(pid);
      forget(pid);
      resolve();
    });
    child.once("error", () => {
      done = true;
      resolve();
    });
  });
  live.set(pid, child);
  record(pid, options.command);

  return {
    name: options.name,
    pid,
    logFile,
    exited: () => done,
    async tail(lines = 15) {
      const text = await readFile(logFile, "utf8").catch(() => "");
      return text.trimEnd().split("\n").slice(-lines).join("\n");
    },
    async stop(graceMs = 5_000) {
      if (done) return;
      killGroup(pid, "SIGTERM");
      const timer = sleep(graceMs).then(() => killGroup(pid, "SIGKILL"));
      await Promise.race([gone, timer]);
      await gone;
    },
  };
}
