import type { ObjectKey } from "../shared/ports/index.ts";
import { type ReconcileDeps, reconcileObject } from "../shared/reconcile/reconcile-object.ts";
import type { Reconciler } from "../shared/reconcile/reconciler.ts";
import { ReconcilerRegistry } from "../shared/reconcile/registry.ts";
import { type BackendFactory, benchObject } from "./backends.ts";
import { type Figure, median, percentile, round } from "./results.ts";

/** Does no work at all, so a run measures only the loop around it. */
class BenchReconciler implements Reconciler {
  readonly kind = "Bench";
  async reconcile() {
    return { message: "ok" };
  }
}

/** StateStore methods that write; everything else only reads. */
const WRITES = ["putObject", "deleteObject", "writeStatus", "acquireLease", "releaseLease", "setDueAt"];

/** Wraps an adapter so every method call is counted by name; behaviour is unchanged. */
export function counting<T extends object>(target: T, counts: Map<string, number>): T {
  return new Proxy(target, {
    get(object, property) {
      const value: unknown = Reflect.get(object, property);
      if (typeof value !== "function" || typeof property !== "string") return value;
      return (...args: unknown[]) => {
        counts.set(property, (counts.get(property) ?? 0) + 1);
        return value.apply(object, args);
      };
    },
  });
}

/** A clock the bench moves by hand, so the second run finds every object due again. */
export function manualClock(start = Date.now()) {
  let now = start;
  return {
    now: () => now,
    advance(ms: number) {
      now += ms;
    },
  };
}

interface Round {
  readonly ms: number[];
  /** Calls per object, by method: the store's, plus `publish` for the event sink. */
  readonly perObject: Map<string, number>;
}

async function runRound(keys: readonly ObjectKey[], deps: ReconcileDeps, counts: Map<string, number>) {
  counts.clear();
  const ms: number[] = [];
  const results = [];
  for (const key of keys) {
    const began = performance.now();
    results.push(await reconcileObject({ key, reason: "due" }, "bench", deps));
    ms.push(performance.now() - began);
  }
  const perObject = new Map([...counts].map(([method, n]) => [method, n / keys.length]));
  return { round: { ms, perObject } satisfies Round, results };
}

function describe(round: Round, objects: number): string {
  const calls = [...round.perObject].map(([method, n]) => `${method} ${n}`).join(", ");
  return `median of ${objects} objects, p90 ${percentile(round.ms, 90).toFixed(2)} ms; per object: ${calls}`;
}

/**
 * The reconcile loop's own cost per object on one adapter set: one scheduled (`due`) run of
 * each object with a reconciler that does nothing, first when the status is new (status
 * written, event published) and again once nothing changed (no status write, no event).
 */
export async function loopFigures(
  adapter: string,
  factory: BackendFactory,
  objects = 200,
): Promise<Figure[]> {
  const clock = manualClock();
  const backend = await factory(clock);
  try {
    const inputs = Array.from({ length: objects }, (_, i) =>
      benchObject(`object-${String(i).padStart(4, "0")}`),
    );
    for (const input of inputs) await backend.state.putObject(input);
    const keys = inputs.map((input) => input.key);
    const counts = new Map<string, number>();
    const deps: ReconcileDeps = {
      state: counting(backend.state, counts),
      events: counting(backend.events, counts),
      registry: new ReconcilerRegistry([new BenchReconciler()]),
      clock,
    };
    const first = await runRound(keys, deps, counts);
    if (!first.results.every((r) => r.outcome === "reconciled" && r.statusWritten))
      throw new Error(`loop.first.${adapter}: not every first run wrote status`);
    clock.advance(24 * 3_600_000);
    const steady = await runRound(keys, deps, counts);
    if (!steady.results.every((r) => r.outcome === "reconciled" && !r.statusWritten))
      throw new Error(`loop.steady.${adapter}: a steady run did not reconcile without a status write`);

    const writes = WRITES.reduce((sum, method) => sum + (steady.round.perObject.get(method) ?? 0), 0);
    const where = adapter === "aws" ? "; moto on loopback: our code + the emulator, not AWS latency" : "";
    return [
      {
        name: `loop.first.${adapter}`,
        value: round(median(first.round.ms)),
        unit: "ms",
        detail: `${describe(first.round, objects)}${where}`,
      },
      {
        name: `loop.steady.${adapter}`,
        value: round(median(steady.round.ms)),
        unit: "ms",
        detail: `${describe(steady.round, objects)}${where}`,
      },
      {
        name: `loop.steady.writes.${adapter}`,
        value: round(writes),
        unit: "writes",
        detail: `store writes per steady run, counted at the StateStore; writeStatus ${
          steady.round.perObject.get("writeStatus") ?? 0
        } (a steady run writes no status), the rest are the lease and the next due time`,
      },
    ];
  } finally {
    await backend.close();
  }
}
