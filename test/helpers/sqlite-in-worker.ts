import { Worker } from "node:worker_threads";
import { onTestFinished } from "vitest";
import type { Clock } from "../../shared/ports/clock.ts";
import { PortError } from "../../shared/ports/errors.ts";

// The adapter runs in a thread of its own with its own connection, so two adapters on one
// file really contend for SQLite's lock instead of taking turns on one event loop. When a
// clock is given, the caller's reading travels with every call.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
(async () => {
  const { openDatabase } = await import(workerData.databaseModule);
  const adapters = await import(workerData.module);
  let now = 0;
  const adapter = new adapters[workerData.className]({
    database: openDatabase({ path: workerData.path }),
    ...(workerData.useClock ? { clock: { now: () => now } } : {}),
    ...workerData.options,
  });
  parentPort.on("message", async ({ id, method, args, callerNow }) => {
    now = callerNow;
    try {
      parentPort.postMessage({ id, value: await adapter[method](...args) });
    } catch (error) {
      parentPort.postMessage({ id, error: { message: String(error?.message ?? error), reason: error?.reason } });
    }
  });
  parentPort.postMessage({ ready: true });
})().catch((error) => parentPort.postMessage({ failed: String(error?.stack ?? error) }));
`;

interface WorkerReply {
  readonly id?: number;
  readonly value?: unknown;
  readonly error?: { message: string; reason?: PortError["reason"] };
  readonly ready?: true;
  readonly failed?: string;
}

export interface SqliteAdapterInWorkerOptions<T> {
  /** The database file both connections share. */
  readonly path: string;
  /** File URL of the module exporting the adapter class. */
  readonly module: URL;
  readonly className: string;
  /** The port's methods to forward. */
  readonly methods: readonly (keyof T & string)[];
  /** Constructor options besides `database` and `clock`; must survive structured clone. */
  readonly options?: Record<string, unknown>;
  readonly clock?: Clock;
}

/** A local adapter living in a worker thread, seen through its port; PortErrors cross intact. */
export async function sqliteAdapterInWorker<T>(options: SqliteAdapterInWorkerOptions<T>): Promise<T> {
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      path: options.path,
      databaseModule: new URL("../../shared/adapters/local/database.ts", import.meta.url).href,
      module: options.module.href,
      className: options.className,
      options: options.options ?? {},
      useClock: options.clock !== undefined,
    },
  });
  onTestFinished(async () => {
    await worker.terminate();
  });
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  await new Promise<void>((resolve, reject) => {
    worker.on("error", reject);
    worker.on("message", (reply: WorkerReply) => {
      if (reply.ready) resolve();
      if (reply.failed) reject(new Error(reply.failed));
      const waiting = reply.id === undefined ? undefined : pending.get(reply.id);
      if (!waiting || reply.id === undefined) return;
      pending.delete(reply.id);
      if (!reply.error) waiting.resolve(reply.value);
      else if (reply.error.reason) waiting.reject(new PortError(reply.error.reason, reply.error.message));
      else waiting.reject(new Error(reply.error.message));
    });
  });
  let nextId = 0;
  const call = (method: string, args: unknown[]) =>
    new Promise<unknown>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      worker.postMessage({ id, method, args, callerNow: options.clock?.now() ?? 0 });
    });
  return Object.fromEntries(
    options.methods.map((method) => [method, (...args: unknown[]) => call(method, args)]),
  ) as unknown as T;
}
