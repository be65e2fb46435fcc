import ignore from "ignore";
import { parse } from "yaml";
import { ReconcileError } from "../../reconcile/reconciler.ts";
import { type SourceFile, safeRelativePath, symlinkTargetInside } from "../source-file.ts";
import { CHART_FILE, type ChartFiles, readChartMetadata } from "./chart-archive.ts";

const HELM_IGNORE = ".helmignore";

/**
 * The chart in folder `chartPath` of a source tree (a GitRepository or Bucket artifact), as
 * `helm package` would take it: `.helmignore` applied, symlinks inside the tree replaced by
 * what they point at. `where` names the source for messages.
 */
export async function chartFromTree(
  tree: readonly SourceFile[],
  chartPath: string,
  where: string,
): Promise<ChartFiles> {
  const dir = safeRelativePath(chartPath);
  const prefix = `${dir}/`;
  const byPath = new Map(tree.map((f) => [f.path, f]));
  const chartFile = byPath.get(`${prefix}${CHART_FILE}`);
  if (!chartFile)
    throw new ReconcileError(
      "InvalidChartReference",
      `no chart at '${dir}' in ${where}: ${dir}/${CHART_FILE} does not exist; check spec.chart`,
    );
  const helmIgnore = byPath.get(`${prefix}${HELM_IGNORE}`);
  const rules = ignore().add(helmIgnore ? new TextDecoder().decode(await helmIgnore.read()) : "");
  const files: SourceFile[] = [];
  for (const file of tree) {
    if (!file.path.startsWith(prefix)) continue;
    const path = file.path.slice(prefix.length);
    if (path !== CHART_FILE && rules.ignores(path)) continue;
    files.push({
      path,
      mode: file.mode === "symlink" ? "file" : file.mode,
      read: resolved(file, byPath, where),
    });
  }
  const metadata = await readChartMetadata(chartFile, `chart '${dir}' in ${where}`);
  await checkDependenciesVendored(files, metadata.metadata, metadata.name);
  return { ...metadata, files };
}

/** Helm packages what a symlink points at; only targets inside the tree are followed. */
function resolved(
  file: SourceFile,
  byPath: ReadonlyMap<string, SourceFile>,
  where: string,
): () => Promise<Uint8Array> {
  if (file.mode !== "symlink") return file.read;
  return async () => {
    const target = symlinkTargetInside(file.path, new TextDecoder().decode(await file.read()));
    const found = byPath.get(target);
    if (!found || found.mode === "symlink")
      throw new ReconcileError(
        "ChartPackageError",
        `symlink ${file.path} in ${where} does not point at a file of the source: vendor the file instead`,
      );
    return found.read();
  };
}

interface Dependency {
  readonly name: string;
  readonly repository?: string;
}

async function declaredDependencies(
  files: readonly SourceFile[],
  metadata: Readonly<Record<string, unknown>>,
): Promise<Dependency[]> {
  let list: unknown = metadata.dependencies;
  // apiVersion v1 charts declare them in requirements.yaml.
  const requirements = files.find((f) => f.path === "requirements.yaml");
  if (list === undefined && requirements) {
    try {
      list = (
        parse(new TextDecoder().decode(await requirements.read()), { schema: "failsafe" }) as {
          dependencies?: unknown;
        }
      )?.dependencies;
    } catch {
      throw new ReconcileError("ChartPackageError", "requirements.yaml is not valid YAML");
    }
  }
  if (!Array.isArray(list)) return [];
  return list.flatMap((d) =>
    d && typeof d === "object" && typeof (d as Dependency).name === "string" ? [d as Dependency] : [],
  );
}

/**
 * sluice cannot build dependencies yet (`helm dependency build`): a declared dependency must
 * already be in `charts/`, as a folder or a packaged `.tgz`.
 */
async function checkDependenciesVendored(
  files: readonly SourceFile[],
  metadata: Readonly<Record<string, unknown>>,
  chartName: string,
): Promise<void> {
  const packaged = files.flatMap((f) => f.path.match(/^charts\/([^/]+)\.tgz$/)?.[1] ?? []);
  const vendored = (name: string) =>
    files.some((f) => f.path === `charts/${name}/${CHART_FILE}`) ||
    packaged.some((base) => base.startsWith(`${name}-`));
  const missing = (await declaredDependencies(files, metadata)).filter((d) => !vendored(d.name));
  if (missing.length === 0) return;
  const names = missing.map((d) => (d.repository ? `${d.name} (${d.repository})` : d.name)).join(", ");
  throw new ReconcileError(
    "DependencyBuildError",
    `chart '${chartName}' declares dependencies that are not in its charts/ folder: ${names}; ` +
      "sluice does not build chart dependencies yet: run 'helm dependency build' and commit charts/",
  );
}
