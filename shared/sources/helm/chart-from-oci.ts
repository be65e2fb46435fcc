import semver from "semver";
import type { StoredObject } from "../../ports/index.ts";
import { ReconcileError } from "../../reconcile/reconciler.ts";
import { RegistryClient } from "../oci/registry-client.ts";
import { limitsOf, type SourceDeps } from "../source-deps.ts";
import { highestMatching, latestVersions } from "../version-constraint.ts";
import type { ChartCandidate } from "./chart-candidate.ts";
import type { HelmChartSpec } from "./chart-spec.ts";
import { type HelmRepositorySpec, readRepositoryCredentials } from "./repository-spec.ts";

/** The layer `helm push` stores a chart in; older pushes used the generic tar+gzip type. */
const CHART_LAYER_TYPES = ["application/vnd.cncf.helm.chart.content.v1.tar+gzip", "application/tar+gzip"];

/** OCI tags cannot hold `+`, so Helm writes a version's build metadata after `_` instead. */
const tagOf = (version: string) => version.replaceAll("+", "_");
const versionOf = (tag: string) => tag.replaceAll("_", "+");

/**
 * A chart from an OCI HelmRepository: `oci://<host>/<path>` holds each chart at
 * `<path>/<chart>`, one tag per version. An exact `spec.version` is taken as the tag without
 * listing; a range lists the tags and picks the highest match.
 */
export async function chartFromOci(
  spec: HelmChartSpec,
  repository: StoredObject,
  repositorySpec: HelmRepositorySpec,
  deps: SourceDeps,
  signal: AbortSignal,
): Promise<ChartCandidate> {
  const [host = "", ...path] = repositorySpec.url.slice("oci://".length).split("/");
  const name = spec.chart;
  if (!/^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/.test(name))
    throw new ReconcileError(
      "InvalidChartReference",
      `spec.chart '${name}' is not a valid OCI repository name for a chart`,
      { stalled: true },
    );
  const repo = [...path.filter((p) => p !== ""), name].join("/");
  const where = `${host}/${repo}`;
  const credentials = await readRepositoryCredentials(repository, deps.secrets);
  const repoName = `HelmRepository '${repository.key.namespace}/${repository.key.name}'`;
  const client = new RegistryClient({
    host,
    plainHttp: repositorySpec.insecure,
    ...(credentials
      ? { credentials: { username: credentials.username, password: credentials.password } }
      : {}),
    maxBytes: limitsOf(deps).maxArtifactBytes,
    ...(deps.meter ? { meter: deps.meter } : {}),
    credentialsHint: credentials
      ? `check the username and password in secret '${credentials.secretName}'`
      : `set spec.secretRef on ${repoName}`,
  });

  let version = semver.valid(spec.version.text) ? spec.version.text : undefined;
  if (!version) {
    const versions = (await client.listTags(repo, signal)).map(versionOf);
    version = highestMatching(versions, spec.version);
    if (!version)
      throw new ReconcileError(
        "InvalidChartReference",
        `no '${name}' chart with version matching '${spec.version.text}' in ${where}; ` +
          `latest versions: ${latestVersions(versions).join(", ") || "none"}`,
      );
  }
  const chosen = version;
  return {
    name,
    version: chosen,
    remote: true,
    where: `chart '${name}' ${chosen} from ${where}`,
    load: async () => {
      const { manifest } = await client.getManifest(repo, tagOf(chosen), signal);
      const layer = manifest.layers.find((l) => CHART_LAYER_TYPES.includes(l.mediaType));
      if (!layer)
        throw new ReconcileError(
          "ChartPullError",
          `${where}:${tagOf(chosen)} is not a Helm chart: it has no layer of type ${CHART_LAYER_TYPES[0]}`,
        );
      return { kind: "archive", bytes: await client.getBlob(repo, layer.digest, signal) };
    },
  };
}
