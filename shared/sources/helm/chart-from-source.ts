import type { SourceDeps } from "../source-deps.ts";
import { type ResolvedSource, readSourceFiles } from "../source-ref.ts";
import type { ChartCandidate } from "./chart-candidate.ts";
import { chartFromTree } from "./chart-from-tree.ts";
import type { HelmChartSpec } from "./chart-spec.ts";

/**
 * Flux's short form of a source revision for chart versions: the first 12 hex characters of
 * the commit or digest (`main@sha1:4e5cbb7b97d0…` → `4e5cbb7b97d0`), short enough for the
 * 63-character label values charts put versions in.
 */
export function shortRevision(revision: string): string {
  const hex = revision.slice(revision.lastIndexOf(":") + 1);
  const clean = /^[0-9a-f]+$/i.test(hex) ? hex : revision.replace(/[^0-9A-Za-z-]/g, "-");
  return clean.slice(0, 12);
}

/**
 * The chart in folder `spec.chart` of a GitRepository or Bucket artifact. The artifact is read
 * from the store (no network) to learn the chart's version; values files are paths from the
 * source's root, as in Flux.
 */
export async function chartFromSource(
  spec: HelmChartSpec,
  source: ResolvedSource,
  deps: SourceDeps,
): Promise<ChartCandidate> {
  const { kind, namespace, name } = source.source.key;
  const where = `${kind} '${namespace}/${name}' revision '${source.artifact.revision}'`;
  const tree = await readSourceFiles(source.artifact, deps);
  const chart = await chartFromTree(tree, spec.chart, where);
  return {
    name: chart.name,
    version: chart.version,
    sourceRevision: source.artifact.revision,
    ...(spec.reconcileStrategy === "Revision"
      ? { versionMetadata: shortRevision(source.artifact.revision) }
      : {}),
    remote: false,
    valuesRoot: tree,
    where,
    load: async () => ({ kind: "files", chart }),
  };
}
