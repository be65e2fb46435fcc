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
