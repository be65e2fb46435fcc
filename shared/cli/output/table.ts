/** What a cell takes on screen: characters, not UTF-16 units, and colour codes take none. */
export function visibleLength(text: string): number {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching the escape character is the point
  return [...text.replace(/\u001b\[[0-9;]*m/g, "")].length;
}

/** One line per row, columns padded to the widest cell, as kubectl and flux print. */
export function renderTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  options: { readonly header?: boolean } = {},
): string {
  const all = options.header === false ? rows : [headers, ...rows];
  if (all.length === 0) return "";
  const cells = all.map((row) => row.map(oneLine));
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => visibleLength(row[i] ?? ""))));
  return cells
    .map((row) =>
      row
        .map((cell, i) =>
          i === row.length - 1
            ? cell
            : cell + " ".repeat(Math.max(0, (widths[i] ?? 0) - visibleLength(cell))),
        )
        .join("   ")
        .trimEnd(),
    )
    .map((line) => `${line}\n`)
    .join("");
}

/** A table cell is one line: multi-line messages (change sets) are joined with "; ". */
export function oneLine(text: string): string {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "")
    .join("; ");
}

/** `5s`, `3m10s`, `2h5m`, `4d3h`: how long ago, as kubectl shows ages. */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 === 0 || m >= 10 ? `${m}m` : `${m}m${s % 60}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 === 0 || h >= 10 ? `${h}h` : `${h}h${m % 60}m`;
  const d = Math.floor(h / 24);
  return h % 24 === 0 || d >= 10 ? `${d}d` : `${d}d${h % 24}h`;
}
