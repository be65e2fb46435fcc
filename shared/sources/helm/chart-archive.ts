import { parseDocument } from "yaml";
import type { Digest } from "../../ports/index.ts";
import { ReconcileError } from "../../reconcile/reconciler.ts";
import { packTarball } from "../artifact/tarball.ts";
import { readTarball } from "../artifact/untar.ts";
import type { SourceFile } from "../source-file.ts";

/** A chart's files, paths relative to the chart's own folder (`Chart.yaml`, `templates/…`). */
export interface ChartFiles {
  readonly name: string;
  readonly version: string;
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly files: readonly SourceFile[];
}

export const CHART_FILE = "Chart.yaml";
/** Helm's rule for chart names; it also keeps the name a single path segment. */
const CHART_NAME = /^[a-zA-Z0-9._-]+$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Reads `Chart.yaml` as Helm requires it: a map with a name and a version. */
export async function readChartMetadata(
  file: SourceFile,
  where: string,
): Promise<{ name: string; version: string; metadata: Record<string, unknown> }> {
  // Scalars stay text: `version: 1.10` is the version "1.10", not the number 1.1.
  const doc = parseDocument(new TextDecoder().decode(await file.read()), { schema: "failsafe" });
  const bad = (problem: string) =>
    new ReconcileError("ChartPackageError", `${where}: ${CHART_FILE} ${problem}`);
  if (doc.errors.length > 0) throw bad("is not valid YAML");
  const metadata = doc.toJS() as unknown;
  if (!isRecord(metadata)) throw bad("is not a map");
  if (typeof metadata.name !== "string" || metadata.name === "") throw bad("has no name");
  if (!CHART_NAME.test(metadata.name) || /^\.+$/.test(metadata.name))
    throw bad(`has an invalid name '${metadata.name}'`);
  if (typeof metadata.version !== "string" || metadata.version === "") throw bad("has no version");
  return { name: metadata.name, version: metadata.version, metadata };
}

/** Loads a packaged chart (`<name>/Chart.yaml`, `<name>/templates/…` in a .tgz). */
export async function unpackChart(bytes: Uint8Array, maxBytes: number, where: string): Promise<ChartFiles> {
  const entries = await readTarball(bytes, { maxBytes });
  const chartFile = entries.find((f) => f.path.split("/").length === 2 && f.path.endsWith(`/${CHART_FILE}`));
  if (!chartFile)
    throw new ReconcileError("ChartPullError", `${where} is not a Helm chart: no ${CHART_FILE}`);
  const root = `${chartFile.path.split("/")[0]}/`;
  const files = entries
    .filter((f) => f.path.startsWith(root))
    .map((f) => ({ path: f.path.slice(root.length), mode: f.mode, read: f.read }));
  return { ...(await readChartMetadata(chartFile, where)), files };
}

/** The chart with `Chart.yaml`'s version replaced, as Flux marks a chart it repackaged. */
export async function withChartVersion(chart: ChartFiles, version: string): Promise<ChartFiles> {
  if (version === chart.version) return chart;
  const chartFile = chart.files.find((f) => f.path === CHART_FILE);
  if (!chartFile) throw new ReconcileError("ChartPackageError", `chart '${chart.name}' has no ${CHART_FILE}`);
  const doc = parseDocument(new TextDecoder().decode(await chartFile.read()), { schema: "failsafe" });
  doc.set("version", version);
  return replaceFile({ ...chart, version }, CHART_FILE, String(doc));
}

export function replaceFile(chart: ChartFiles, path: string, content: string): ChartFiles {
  const bytes = new TextEncoder().encode(content);
  const replaced: SourceFile = { path, mode: "file", read: async () => bytes };
  return { ...chart, files: [...chart.files.filter((f) => f.path !== path), replaced] };
}

/** Packs a chart the way `helm package` lays it out: every file under `<name>/`, deterministically. */
export async function packChart(
  chart: ChartFiles,
  maxBytes: number,
): Promise<{ bytes: Uint8Array; digest: Digest }> {
  const files = chart.files.map((f) => ({ path: `${chart.name}/${f.path}`, mode: f.mode, read: f.read }));
  const { bytes, digest } = await packTarball(files, { maxBytes });
  return { bytes, digest };
}
