import { SpecError } from "./errors.ts";

const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
};

const PART = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/y;

/**
 * Parses a Go duration as Flux writes them (`30s`, `1m30s`, `1.5h`, `500ms`) into milliseconds.
 * Days are not a Go unit, so `1d` is rejected, as the Kubernetes API server would.
 */
export function parseDuration(text: string, field = "duration"): number {
  const input = text.trim();
  if (input === "0") return 0;
  let total = 0;
  PART.lastIndex = 0;
  let at = 0;
  while (at < input.length) {
    PART.lastIndex = at;
    const match = PART.exec(input);
    if (!match) break;
    total += Number(match[1]) * (UNIT_MS[match[2] as string] ?? Number.NaN);
    at = PART.lastIndex;
  }
  if (input.length === 0 || at !== input.length || !Number.isFinite(total)) {
    throw new SpecError("InvalidDuration", field, `"${text}" is not a duration like 30s, 5m or 1h30m`);
  }
  return Math.round(total);
}
