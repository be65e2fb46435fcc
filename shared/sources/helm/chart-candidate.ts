import type { SourceFile } from "../source-file.ts";
import type { ChartFiles } from "./chart-archive.ts";

/** What a chart source holds: a packaged chart as downloaded, or a chart folder's files. */
export type LoadedChart =
  | { readonly kind: "archive"; readonly bytes: Uint8Array }
  | { readonly kind: "files"; readonly chart: ChartFiles };

/**
 * The chart version a HelmChart would publish, found without downloading the chart itself,
 * so an unchanged version costs nothing more than the lookup.
 */
export interface ChartCandidate {
  /** `status.observedChartName`. */
  readonly name: string;
  /** The chart's own version, before any build metadata sluice adds. */
  readonly version: string;
  /** `status.observedSourceArtifactRevision`; absent for OCI repositories (no artifact). */
  readonly sourceRevision?: string;
  /** Build metadata the source asks for (`reconcileStrategy: Revision`: the short source revision). */
  readonly versionMetadata?: string;
  /** Pulled from a repository (true) rather than packaged from a source tree. */
  readonly remote: boolean;
  /** What `spec.valuesFiles` are looked up in; the chart's own files when absent. */
  readonly valuesRoot?: readonly SourceFile[];
  /** Where the chart comes from, for messages. */
  readonly where: string;
  load(): Promise<LoadedChart>;
}
