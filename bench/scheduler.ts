import type { StateStore } from "../shared/ports/index.ts";
import { enqueueDue } from "../shared/reconcile/scheduler.ts";
import { checkSeedMatchesPut } from "./aws-seed.ts";
import { type BackendFactory, benchObject, forEachBounded } from "./backends.ts";
import { manualClock } from "./loop.ts";
import { duration, type Figure, round } from "./results.ts";

export interface SchedulerOptions {
  readonly sizes?: readonly number[];
  /** putObject calls in flight while registering (setup, untimed). */
  readonly concurrency?: number;
  /** Above this many objects only listDue is measured, for `reason` (a backend too slow to send). */
  readonly sendAtMost?: { readonly objects: number; readonly reason: string };
}

/** The store with the time spent in listDue added up, so a tick can be split into find and send. */
function timingListDue(state: StateStore, spent: { ms: number }): StateStore {
  return new Proxy(state, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property);
      if (typeof value !== "function") return value;
      if (property !== "listDue") return value.bind(target);
      return async (...args: unknown[]) => {
        const began = performance.now();
        try {
          return await value.apply(target, args);
        } finally {
          spent.ms += performance.now() - began;
        }
      };
    },
  });
}

/**
 * Scheduler throughput on one adapter set: N objects, all due, then one tick of enqueueDue
 * timed: `find` is its listDue on the due index, `enqueue` the whole tick (find + sending N
 * work requests). Registering the objects is untimed setup: the backend's bulk seed where it
 * has one, else putObject `concurrency` at a time.
 */
export async function schedulerFigures(
  adapter: string,
  factory: BackendFactory,
  options: SchedulerOptions = {},
): Promise<Figure[]> {
  const { sizes = [100, 1_000, 10_000], concurrency = 32, sendAtMost } = options;
  const where = adapter === "aws" ? "; moto on loopback: our code + the emulator, not AWS" : "";
  const figures: Figure[] = [];
  for (const n of sizes) {
    const clock = manualClock();
    const backend = await factory(clock);
    try {
      const objects = Array.from({ length: n }, (_, i) =>
        benchObject(`object-${String(i).padStart(5, "0")}`),
      );
      const setupBegan = performance.now();
      if (backend.seed) await backend.seed(objects);
      else await forEachBounded(objects, concurrency, (object) => backend.state.putObject(object));
      const setup = `setup ${duration(performance.now() - setupBegan)}, ${
        backend.seed
          ? "seeded with BatchWriteItem (moto's TransactWriteItems copies the table per put)"
          : `putObject ${concurrency} at a time`
      }`;

      const find = { ms: 0 };
      const state = timingListDue(backend.state, find);
      const send = !sendAtMost || n <= sendAtMost.objects;
      const began = performance.now();
      const found = send
        ? await enqueueDue({ state, queue: backend.queue, clock, limit: n })
        : (await state.listDue(clock.now(), n)).length;
      const ms = performance.now() - began;
      if (found !== n) throw new Error(`scheduler.${adapter}.${n}: found ${found} of ${n} due objects`);
      const first = objects[0];
      if (backend.seed && first) await checkSeedMatchesPut(backend.state, first.key, benchObject("control"));

      figures.push({
        name: `scheduler.find.${adapter}.${n}`,
        value: round(n / (find.ms / 1000), 0),
        unit: "objects/s",
        detail: `listDue of ${n} due objects in ${duration(find.ms)}; ${setup}${where}${
          send ? "" : `; enqueue not measured: ${sendAtMost?.reason}`
        }`,
      });
      if (send)
        figures.push({
          name: `scheduler.enqueue.${adapter}.${n}`,
          value: round(n / (ms / 1000), 0),
          unit: "objects/s",
          detail: `one enqueueDue tick in ${duration(ms)} (listDue ${duration(find.ms)}, the rest sending ${n} in batches of 10)${where}`,
        });
      else console.error(`bench: scheduler.enqueue.${adapter}.${n} not measured: ${sendAtMost?.reason}`);
    } finally {
      await backend.close();
    }
  }
  return figures;
}
