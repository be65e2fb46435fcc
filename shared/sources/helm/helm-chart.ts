import { createHash } from "node:crypto";
import type { Digest, StoredObject } from "../../ports/index.ts";
import {
  ReconcileError,
  type ReconcileInput,
  type ReconcileResult,
  type Reconciler,
} from "../../reconcile/reconciler.ts";
import { releaseArtifacts } from "../artifact/garbage.ts";
import { currentArtifactResult, isArtifactCurrent, publishArtifact } from "../artifact/publish.ts";
import { limitsOf, type SourceDeps } from "../source-deps.ts";
import { resolveSource } from "../source-ref.ts";
import { packChart, replaceFile, unpackChart, withChartVersion } from "./chart-archive.ts";
import type { ChartCandidate } from "./chart-candidate.ts";
import { chartFromOci } from "./chart-from-oci.ts";
import { chartFromRepository } from "./chart-from-repository.ts";
import { chartFromSource } from "./chart-from-source.ts";
import { type HelmChartSpec, readHelmChartSpec } from "./chart-spec.ts";
import { mergeValuesFiles } from "./chart-values.ts";
import { withBuildMetadata } from "./chart-version.ts";
import { readHelmRepositorySpec } from "./repository-spec.ts";
import { statusField } from "./status-field.ts";

/**
 * HelmChart (`source.toolkit.fluxcd.io/v1`): one chart version as a .tgz artifact, pulled
 * from a HelmRepository (HTTP index or OCI registry) or packaged from a folder of a
 * GitRepository or Bucket. The revision is the chart version, with build metadata when sluice
 * changed the chart (`+<generation>` for valuesFiles, `+<short source revision>` for
 * `reconcileStrategy: Revision`), as in Flux. An unchanged revision downloads nothing.
 */
export class HelmChartReconciler implements Reconciler {
  readonly kind = "HelmChart";
  /** Flux fetches charts within the HelmRepository's default timeout. */
  readonly defaultTimeoutMs = 60_000;
  readonly #deps: SourceDeps;

  constructor(deps: SourceDeps) {
    this.#deps = deps;
  }

  /** A deleted source's artifacts are removed, unless another source shares them. */
  async finalize({ object }: ReconcileInput): Promise<void> {
    await releaseArtifacts(object, this.#deps);
  }

  async reconcile({ object, now, signal }: ReconcileInput): Promise<ReconcileResult> {
    const spec = readHelmChartSpec(object);
    const candidate = await this.#candidate(spec, signal);
    const metadata = [
      candidate.versionMetadata,
      spec.valuesFiles.length > 0 ? String(object.generation) : undefined,
    ].filter((part) => part !== undefined);
    const revision =
      metadata.length > 0 ? withBuildMetadata(candidate.version, metadata.join(".")) : candidate.version;
    const observed = {
      observedChartName: candidate.name,
      ...statusField(object, "observedSourceArtifactRevision", candidate.sourceRevision),
    };
    const pulled = candidate.remote && revision === candidate.version;
    const summary = {
      reason: pulled ? "ChartPullSucceeded" : "ChartPackageSucceeded",
      message: `${pulled ? "pulled" : "packaged"} '${candidate.name}' chart with version '${revision}'`,
    };
    if (await isArtifactCurrent(object, revision, this.#deps.artifacts))
      return { ...currentArtifactResult(object, observed), ...summary };

    const built = await this.#build(spec, candidate, revision);
    const result = await publishArtifact(
      {
        object,
        revision,
        content: built.content,
        now,
        noun: "chart version",
        status: { ...observed, ...statusField(object, "observedValuesFiles", built.valuesFiles) },
      },
      this.#deps,
    );
    return { ...result, ...summary };
  }

  async #candidate(spec: HelmChartSpec, signal: AbortSignal): Promise<ChartCandidate> {
    if (spec.source.kind !== "HelmRepository")
      return chartFromSource(spec, await resolveSource(spec.source, this.#deps), this.#deps);
    const repository = await this.#deps.state.getObject(spec.source);
    if (repository?.spec.type === "oci")
      return chartFromOci(spec, repository, repositorySpecOf(repository), this.#deps, signal);
    const resolved = await resolveSource(spec.source, this.#deps);
    return chartFromRepository(spec, resolved, repositorySpecOf(resolved.source), this.#deps, signal);
  }

  /**
   * The artifact's bytes: a pulled chart as it was downloaded, or the chart repackaged with
   * the merged values and the revision as its version.
   */
  async #build(
    spec: HelmChartSpec,
    candidate: ChartCandidate,
    revision: string,
  ): Promise<{ content: { bytes: Uint8Array; digest: Digest }; valuesFiles?: readonly string[] }> {
    const maxBytes = limitsOf(this.#deps).maxArtifactBytes;
    const loaded = await candidate.load();
    if (loaded.kind === "archive" && revision === candidate.version && spec.valuesFiles.length === 0) {
      const digest: Digest = `sha256:${createHash("sha256").update(loaded.bytes).digest("hex")}`;
      return { content: { bytes: loaded.bytes, digest } };
    }
    let chart =
      loaded.kind === "archive" ? await unpackChart(loaded.bytes, maxBytes, candidate.where) : loaded.chart;
    let valuesFiles: readonly string[] | undefined;
    if (spec.valuesFiles.length > 0) {
      const merged = await mergeValuesFiles({
        files: candidate.valuesRoot ?? chart.files,
        paths: spec.valuesFiles,
        ignoreMissing: spec.ignoreMissingValuesFiles,
        where: candidate.where,
      });
      chart = replaceFile(chart, "values.yaml", merged.yaml);
      valuesFiles = merged.used.length > 0 ? merged.used : undefined;
    }
    chart = await withChartVersion(chart, revision);
    return { content: await packChart(chart, maxBytes), ...(valuesFiles ? { valuesFiles } : {}) };
  }
}

/** The repository's spec; its own mistakes are reported as the source not being usable. */
function repositorySpecOf(repository: StoredObject) {
  try {
    return readHelmRepositorySpec(repository);
  } catch (error) {
    const { namespace, name } = repository.key;
    throw new ReconcileError(
      "SourceNotReady",
      `HelmRepository '${namespace}/${name}' cannot be used: ${(error as Error).message}`,
    );
  }
}
