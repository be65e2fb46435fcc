import { writeFile } from "node:fs/promises";

/** One measured figure; `name` stays stable across runs so results can be compared. */
export interface Figure {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly detail?: string;
}

/** Prints the figures as a table and writes them to the given JSON file. */
export async function report(figures: readonly Figure[], file: string): Promise<void> {
  const width = Math.max(...figures.map((f) => f.name.length));
  for (const f of figures) {
    console.log(
      `${f.name.padEnd(width)}  ${String(f.value).padStart(10)} ${f.unit.padEnd(8)} ${f.detail ?? ""}`,
    );
  }
  await writeFile(file, `${JSON.stringify(figures, null, 2)}\n`);
}

/** The middle value (upper middle for an even count); NaN for none. */
export function median(xs: readonly number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
}

/** The p-th percentile (0–100), nearest rank. */
export function percentile(xs: readonly number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

export function round(x: number, digits = 2): number {
  return Number(x.toFixed(digits));
}

/** A duration for a detail text: milliseconds under a second, else seconds. */
export function duration(ms: number): string {
  return ms < 1000 ? `${ms.toFixed(1)} ms` : `${(ms / 1000).toFixed(2)} s`;
}
