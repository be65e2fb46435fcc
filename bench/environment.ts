import { startEnvironment } from "../test/env/environment.ts";
import { prepare } from "../test/env/prepare.ts";
import type { Figure } from "./results.ts";

/**
 * How long the real test environment takes to come up on a warm cache: the fixed cost every
 * `npm test` pays before the first test. The cold figure (first build) is printed by
 * `npm run env:prepare` on a fresh machine; it is minutes, dominated by the Go builds.
 */
export async function environmentFigures(runs = 3): Promise<Figure[]> {
  const began = performance.now();
  const binaries = await prepare();
  const prepareMs = performance.now() - began;
  const totals: number[] = [];
  const parts: Record<string, number[]> = {};
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    const env = await startEnvironment(binaries);
    totals.push((performance.now() - start) / 1000);
    for (const [part, seconds] of Object.entries(env.info.startSeconds)) {
      parts[part] = [...(parts[part] ?? []), seconds];
    }
    await env.stop();
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
  const round = (x: number) => Number(x.toFixed(2));
  return [
    {
      name: "env.prepare.warm",
      value: round(prepareMs / 1000),
      unit: "s",
      detail: "all binaries already cached",
    },
    {
      name: "env.start.warm",
      value: round(median(totals)),
      unit: "s",
      detail: `median of ${runs}, all servers in parallel`,
    },
    ...Object.entries(parts).map(([part, xs]) => ({
      name: `env.start.${part}`,
      value: round(median(xs)),
      unit: "s",
      detail: `median of ${runs}`,
    })),
  ];
}
