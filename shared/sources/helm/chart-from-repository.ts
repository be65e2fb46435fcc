import { createHash } from "node:crypto";
import { ReconcileError } from "../../reconcile/reconciler.ts";
import { download } from "../http-download.ts";
import { redactUrl, scrubSecrets } from "../redact.ts";
import { limitsOf, type SourceDeps } from "../source-deps.ts";
import type { ResolvedSource } from "../source-ref.ts";
import { highestMatching, latestVersions } from "../version-constraint.ts";
import type { ChartCandidate } from "./chart-candidate.ts";
import type { HelmChartSpec } from "./chart-spec.ts";
import { type IndexedChartVersion, parseHelmIndex } from "./helm-index.ts";
import {
  basicAuthorization,
  type HelmRepositorySpec,
  type RepositoryCredentials,
  readRepositoryCredentials,
} from "./repository-spec.ts";

async function readArtifact(deps: SourceDeps, digest: `sha256:${string}`): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of await deps.artifacts.get(digest)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * The highest version of `spec.chart` in a default HelmRepository's stored index that the
 * version constraint accepts. Reading the index is a local read of the repository's artifact;
 * only `load` goes to the network.
 */
export async function chartFromRepository(
  spec: HelmChartSpec,
  repository: ResolvedSource,
  repositorySpec: HelmRepositorySpec,
  deps: SourceDeps,
  signal: AbortSignal,
): Promise<ChartCandidate> {
  const { namespace, name } = repository.source.key;
  const repoName = `HelmRepository '${namespace}/${name}'`;
  const index = parseHelmIndex(
    await readArtifact(deps, repository.artifact.digest),
    `the index of ${repoName}`,
  );
  const versions = index.entries.get(spec.chart);
  if (!versions || versions.length === 0)
    throw new ReconcileError(
      "InvalidChartReference",
      `no chart named '${spec.chart}' in the index of ${repoName} (${redactUrl(repositorySpec.url)}): check spec.chart`,
    );
  const chosen = highestMatching(
    versions.map((v) => v.version),
    spec.version,
  );
  const entry = versions.find((v) => v.version === chosen);
  if (!entry) {
    const latest = latestVersions(versions.map((v) => v.version));
    throw new ReconcileError(
      "InvalidChartReference",
      `no '${spec.chart}' chart with version matching '${spec.version.text}' in ${repoName}; ` +
        `latest versions: ${latest.join(", ") || "none"}`,
    );
  }
  return {
    name: spec.chart,
    version: entry.version,
    sourceRevision: repository.artifact.revision,
    remote: true,
    where: `chart '${spec.chart}' ${entry.version} from ${repoName}`,
    load: async () => {
      const credentials = await readRepositoryCredentials(repository.source, deps.secrets);
      return {
        kind: "archive",
        bytes: await downloadChart(entry, repositorySpec, credentials, deps, signal),
      };
    },
  };
}

/**
 * Downloads one chart version. A relative URL is relative to the repository; the repository's
 * credentials go to its own host only, unless `passCredentials` says they may go elsewhere.
 * The index's digest, when it has one, must match the bytes.
 */
async function downloadChart(
  entry: IndexedChartVersion,
  repository: HelmRepositorySpec,
  credentials: RepositoryCredentials | undefined,
  deps: SourceDeps,
  signal: AbortSignal,
): Promise<Uint8Array> {
  const what = `chart '${entry.name}' version '${entry.version}'`;
  const first = entry.urls[0];
  if (!first) throw new ReconcileError("ChartPullError", `the repository index lists no URL for ${what}`);
  const repoUrl = new URL(`${repository.url}/`);
  let url: URL;
  try {
    url = new URL(first, repoUrl);
  } catch {
    throw new ReconcileError("ChartPullError", `the repository index lists an invalid URL for ${what}`);
  }
  const send = credentials && (url.host === repoUrl.host || repository.passCredentials);
  const where = redactUrl(url.toString());
  const response = await download(url.toString(), {
    headers: send ? { authorization: basicAuthorization(credentials) } : {},
    signal,
    maxBytes: limitsOf(deps).maxArtifactBytes,
    ...(deps.meter ? { meter: deps.meter } : {}),
    failureReason: "ChartPullError",
  }).catch((error: unknown) => {
    if (error instanceof ReconcileError && credentials)
      throw new ReconcileError(error.reason, scrubSecrets(error.message, [credentials.password]));
    throw error;
  });
  if (response.status === 401 || response.status === 403)
    throw new ReconcileError(
      "AuthenticationFailed",
      credentials && send
        ? `authentication to ${where} failed (HTTP ${response.status}): check the username and password in secret '${credentials.secretName}'`
        : credentials
          ? `${where} requires authentication (HTTP ${response.status}) but is on another host than the repository: set spec.passCredentials on the HelmRepository to send its credentials there`
          : `${where} requires authentication (HTTP ${response.status}): set spec.secretRef on the HelmRepository`,
    );
  if (response.status < 200 || response.status >= 300)
    throw new ReconcileError(
      "ChartPullError",
      `downloading ${what} from ${where} failed: HTTP ${response.status}`,
    );
  if (entry.digest) {
    const expected = entry.digest.replace(/^sha256:/, "").toLowerCase();
    const actual = createHash("sha256").update(response.bytes).digest("hex");
    if (actual !== expected)
      throw new ReconcileError(
        "ChartPullError",
        `digest mismatch for ${what} from ${where}: the index says sha256:${expected}, the download is sha256:${actual}; ` +
          "the repository's index.yaml and chart disagree (re-run 'helm repo index')",
      );
  }
  return response.bytes;
}
