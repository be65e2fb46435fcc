import { parse } from "yaml";
import { ReconcileError } from "../../reconcile/reconciler.ts";

/** One version of a chart as a repository's index.yaml lists it. */
export interface IndexedChartVersion {
  readonly name: string;
  readonly version: string;
  readonly urls: readonly string[];
  /** Hex sha256 of the packaged chart, when the index records it. */
  readonly digest?: string;
}

export interface HelmIndex {
  /** Chart name → its versions, in the order the index lists them. */
  readonly entries: ReadonlyMap<string, readonly IndexedChartVersion[]>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function corrupt(where: string, problem: string): ReconcileError {
  return new ReconcileError("IndexationFailed", `${where} is not a valid Helm repository index: ${problem}`);
}

function chartVersion(name: string, raw: unknown): IndexedChartVersion | undefined {
  // Helm skips malformed entries rather than rejecting the whole index; so do we.
  if (!isRecord(raw) || typeof raw.version !== "string" || raw.version === "") return undefined;
  const urls = Array.isArray(raw.urls) ? raw.urls.filter((u): u is string => typeof u === "string") : [];
  const digest = typeof raw.digest === "string" && raw.digest !== "" ? raw.digest : undefined;
  return { name, version: raw.version, urls, ...(digest ? { digest } : {}) };
}

/**
 * Parses a repository index the way Helm loads one: it must be YAML with an `apiVersion` and
 * an `entries` map; versions without a version string are dropped. `where` names the index in
 * messages (a URL, or "the index of HelmRepository ns/name").
 */
export function parseHelmIndex(bytes: Uint8Array, where: string): HelmIndex {
  let doc: unknown;
  try {
    // Every scalar a string, as Helm's typed loader reads them: a digest of only digits stays text.
    doc = parse(new TextDecoder().decode(bytes), { schema: "failsafe", maxAliasCount: 1000 });
  } catch (error) {
    const line = (error as { linePos?: { line: number }[] }).linePos?.[0]?.line;
    throw corrupt(where, `YAML parse error${line ? ` at line ${line}` : ""}`);
  }
  if (!isRecord(doc)) throw corrupt(where, "the document is not a map");
  if (typeof doc.apiVersion !== "string" || doc.apiVersion === "")
    throw corrupt(where, "no apiVersion specified");
  // `entries:` with nothing after it reads as "" under the failsafe schema: no charts yet.
  const rawEntries = doc.entries === undefined || doc.entries === "" ? {} : doc.entries;
  if (!isRecord(rawEntries)) throw corrupt(where, "entries is not a map of chart names");
  const entries = new Map<string, IndexedChartVersion[]>();
  for (const [name, list] of Object.entries(rawEntries)) {
    if (!Array.isArray(list)) throw corrupt(where, `entries.${name} is not a list of chart versions`);
    entries.set(
      name,
      list.flatMap((raw) => chartVersion(name, raw) ?? []),
    );
  }
  return { entries };
}
