import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import type { ObjectKey } from "../../../shared/ports/index.ts";
import { type ArtifactStatus, artifactOf } from "../../../shared/sources/artifact/publish.ts";
import { packTarball } from "../../../shared/sources/artifact/tarball.ts";
import { HelmChartReconciler } from "../../../shared/sources/helm/helm-chart.ts";
import { HelmRepositoryReconciler } from "../../../shared/sources/helm/helm-repository.ts";
import { memoryFile } from "../../../shared/sources/source-file.ts";
import { testEnv } from "../../env/context.ts";
import { helmCli, startChartRepositoryServer } from "../../helpers/chart-repository-server.ts";
import { sourceHarness } from "../../helpers/source-harness.ts";
import { tempDir } from "../../helpers/temp-dir.ts";

const HELLO = join(import.meta.dirname, "../../fixtures/charts/hello");

async function harness() {
  const h = await sourceHarness({
    kind: "HelmChart",
    reconciler: (deps) => new HelmChartReconciler(deps),
    // Charts come from HelmRepositories, so both run in the one loop.
    alongside: (deps) => [new HelmRepositoryReconciler(deps)],
    specDefaults: { interval: "5m" },
    random: () => 0.5,
  });
  const scratch = await tempDir("sluice-helm-");
  const helm = helmCli(testEnv().tools.helm, scratch);
  return {
    ...h,
    helm,
    scratch,
    /** `helm template` of a chart artifact: proof the artifact is a chart Helm can render. */
    async template(artifact: ArtifactStatus | undefined): Promise<string> {
      const path = join(scratch, `artifact-${Date.now()}.tgz`);
      await writeFile(path, await h.bytes(artifact));
      return helm.run(["template", "demo", path]);
    },
  };
}

type Harness = Awaited<ReturnType<typeof harness>>;

/** A served chart repository with `hello` at each version, plus a ready HelmRepository for it. */
async function repository(
  h: Harness,
  versions: string[],
  options: { files?: Record<string, string>; auth?: { username: string; password: string } } = {},
) {
  const dir = join(h.scratch, `repo-${Math.random().toString(36).slice(2)}`);
  for (const version of versions)
    await h.helm.packageChart({
      from: HELLO,
      version,
      dest: dir,
      ...(options.files ? { files: options.files } : {}),
    });
  await h.helm.index(dir);
  const server = await startChartRepositoryServer({ dir, ...(options.auth ? { auth: options.auth } : {}) });
  onTestFinished(() => server.close());
  const key = await h.putAs("HelmRepository", `repo-${server.url.split(":").at(-1)}`, {
    url: server.url,
    ...(options.auth ? { secretRef: { name: "repo-creds" } } : {}),
  });
  if (options.auth) await h.secret("repo-creds", options.auth);
  expect((await h.poll(key)).ready).toMatchObject({ status: "True" });
  const publish = async (version: string) => {
    await h.helm.packageChart({ from: HELLO, version, dest: dir });
    await h.helm.index(dir);
    await h.poll(key);
  };
  return { dir, server, key, publish };
}

function chartSpec(repo: ObjectKey, extra: Record<string, unknown> = {}) {
  return { chart: "hello", sourceRef: { kind: "HelmRepository", name: repo.name }, ...extra };
}

describe("HelmChart from an HTTP HelmRepository", () => {
  it("pulls the highest version, downloads nothing while it is current, and picks up a newly indexed version", async () => {
    const h = await harness();
    const repo = await repository(h, ["0.1.0"]);
    const key = await h.put("hello", chartSpec(repo.key));

    const first = await h.poll(key);
    expect(first.ready).toMatchObject({
      status: "True",
      reason: "ChartPullSucceeded",
      message: "pulled 'hello' chart with version '0.1.0'",
    });
    const artifact = artifactOf(first.object);
    expect(artifact?.revision).toBe("0.1.0");
    expect(await h.bytes(artifact)).toEqual(await readFile(join(repo.dir, "hello-0.1.0.tgz")));
    const repoObject = await h.adapters.state.getObject(repo.key);
    expect(first.object.status).toMatchObject({
      observedChartName: "hello",
      observedSourceArtifactRevision: repoObject && artifactOf(repoObject)?.revision,
    });
    expect(await h.template(artifact)).toContain("name: demo-hello");

    h.meter.reset();
    const second = await h.poll(key);
    expect(second.run).toMatchObject({ ready: true, statusWritten: false });
    expect(h.meter).toMatchObject({ requests: 0, bytesIn: 0 });

    await repo.publish("0.2.0");
    const third = await h.poll(key);
    expect(artifactOf(third.object)?.revision).toBe("0.2.0");
    expect(third.ready?.message).toBe("pulled 'hello' chart with version '0.2.0'");
  });

  it("honours semver ranges, admitting prereleases only when the range names one", async () => {
    const h = await harness();
    const repo = await repository(h, ["0.1.0", "0.2.0", "1.0.0-rc.1"]);
    const pulled = async (name: string, version: string) => {
      const { object, ready } = await h.poll(await h.put(name, chartSpec(repo.key, { version })));
      return artifactOf(object)?.revision ?? `${ready?.reason}: ${ready?.message}`;
    };
    expect(await pulled("latest", "*")).toBe("0.2.0");
    expect(await pulled("patch", "~0.1.0")).toBe("0.1.0");
    expect(await pulled("pre", ">=1.0.0-0")).toBe("1.0.0-rc.1");
    expect(await pulled("none", ">=2.0.0")).toBe(
      `InvalidChartReference: no 'hello' chart with version matching '>=2.0.0' in HelmRepository 'default/${repo.key.name}'; latest versions: 1.0.0-rc.1, 0.2.0, 0.1.0`,
    );
  });

  it("merges valuesFiles into values.yaml, versioned +generation, and helm template renders the merged values", async () => {
    const h = await harness();
    const prod = 'replicaCount: 3\nimage:\n  tag: "2.0"\n';
    const repo = await repository(h, ["0.1.0"], { files: { "values-prod.yaml": prod } });
    const key = await h.put(
      "hello",
      chartSpec(repo.key, { valuesFiles: ["values.yaml", "values-prod.yaml"] }),
    );
    const first = await h.poll(key);
    expect(first.ready).toMatchObject({
      reason: "ChartPackageSucceeded",
      message: "packaged 'hello' chart with version '0.1.0+1'",
    });
    expect(first.object.status?.observedValuesFiles).toEqual(["values.yaml", "values-prod.yaml"]);
    const artifact = artifactOf(first.object);
    expect(artifact?.revision).toBe("0.1.0+1");
    const files = await h.files(artifact);
    expect(files["hello/Chart.yaml"]).toContain("version: 0.1.0+1");
    const rendered = await h.template(artifact);
    expect(rendered).toContain("replicas: 3");
    expect(rendered).toContain('image: "ghcr.io/example/hello:2.0"');

    await h.put("hello", chartSpec(repo.key, { valuesFiles: ["values.yaml", "values-staging.yaml"] }));
    const missing = await h.poll(key);
    expect(missing.ready).toMatchObject({ status: "False", reason: "ValuesFilesError" });
    expect(missing.ready?.message).toMatch(
      /values file 'values-staging.yaml' not found in chart 'hello' 0.1.0/,
    );
    expect(artifactOf(missing.object)).toEqual(artifact);

    await h.put(
      "hello",
      chartSpec(repo.key, {
        valuesFiles: ["values-prod.yaml", "values-staging.yaml"],
        ignoreMissingValuesFiles: true,
      }),
    );
    const ignored = await h.poll(key);
    expect(artifactOf(ignored.object)?.revision).toBe("0.1.0+3");
    expect(ignored.object.status?.observedValuesFiles).toEqual(["values-prod.yaml"]);
    expect((await h.files(artifactOf(ignored.object)))["hello/values.yaml"]).toBe(prod);
  });

  it("sends the repository's credentials to its own host, and to other hosts only with passCredentials", async () => {
    const h = await harness();
    const auth = { username: "charts", password: "chart-repo-password" };
    const repo = await repository(h, ["0.1.0"], { auth });
    const same = await h.poll(await h.put("same-host", chartSpec(repo.key)));
    expect(artifactOf(same.object)?.revision).toBe("0.1.0");

    // Charts hosted elsewhere (a CDN): the index lists absolute URLs on another server.
    const cdn = await startChartRepositoryServer({ dir: repo.dir, auth });
    onTestFinished(() => cdn.close());
    await h.helm.index(repo.dir, cdn.url);
    await h.poll(repo.key);
    const elsewhere = await h.poll(await h.put("cdn", chartSpec(repo.key)));
    expect(elsewhere.ready).toMatchObject({ status: "False", reason: "AuthenticationFailed" });
    expect(elsewhere.ready?.message).toContain("set spec.passCredentials on the HelmRepository");
    expect(JSON.stringify(elsewhere.object.status)).not.toContain(auth.password);

    await h.putAs("HelmRepository", repo.key.name, {
      url: repo.server.url,
      secretRef: { name: "repo-creds" },
      passCredentials: true,
    });
    await h.poll(repo.key);
    const passed = await h.poll(await h.put("cdn", chartSpec(repo.key)));
    expect(passed.ready).toMatchObject({ status: "True" });
    expect(cdn.requests.some((r) => r.path === "/hello-0.1.0.tgz" && r.status === 200)).toBe(true);
  });

  it("fails with actionable reasons and keeps the last artifact", async () => {
    const h = await harness();
    const repo = await repository(h, ["0.1.0"]);
    const key = await h.put("hello", chartSpec(repo.key, { version: "0.1.x" }));
    const stored = artifactOf((await h.poll(key)).object);

    await h.put("hello", chartSpec(repo.key, { chart: "goodbye" }));
    const unknown = await h.poll(key);
    expect(unknown.ready).toMatchObject({ status: "False", reason: "InvalidChartReference" });
    expect(unknown.ready?.message).toContain(
      `no chart named 'goodbye' in the index of HelmRepository 'default/${repo.key.name}'`,
    );
    expect(artifactOf(unknown.object)).toEqual(stored);

    // An index whose digest does not match the chart it points at.
    const index = await readFile(join(repo.dir, "index.yaml"), "utf8");
    await writeFile(
      join(repo.dir, "index.yaml"),
      index.replace(/digest: [0-9a-f]+/, `digest: ${"0".repeat(64)}`),
    );
    await h.poll(repo.key);
    await h.put("hello", chartSpec(repo.key, { version: "0.1.0" }));
    const tampered = await h.poll(key);
    expect(tampered.ready).toMatchObject({ status: "False", reason: "ChartPullError" });
    expect(tampered.ready?.message).toMatch(
      /digest mismatch for chart 'hello' version '0.1.0'.*index says sha256:0{64}/,
    );
    expect(artifactOf(tampered.object)).toEqual(stored);

    const orphan = await h.put(
      "orphan",
      chartSpec({ kind: "HelmRepository", namespace: "default", name: "never-fetched" }),
    );
    await h.putAs("HelmRepository", "never-fetched", { url: "http://127.0.0.1:9/" });
    const notReady = await h.poll(orphan);
    expect(notReady.ready).toMatchObject({ status: "False", reason: "SourceNotReady" });
    expect(notReady.ready?.message).toBe("source 'HelmRepository/default/never-fetched' has no artifact yet");

    await h.put("hello", chartSpec(repo.key, { verify: { provider: "cosign" } }));
    const verify = await h.poll(key);
    expect(verify.ready).toMatchObject({ status: "False", reason: "UnsupportedField" });
  });
});

const GIT_REVISION = `main@sha1:${"4e5cbb7b97d0".padEnd(40, "a")}`;

/** A GitRepository whose artifact is already in the store, as the Git reconciler would leave it. */
async function gitRepository(h: Harness, files: Record<string, string>, revision = GIT_REVISION) {
  const tarball = await packTarball(
    Object.entries(files).map(([path, content]) => memoryFile(path, content)),
    { maxBytes: 1 << 20 },
  );
  const stored = await h.adapters.artifacts.put(tarball.digest, tarball.bytes);
  const key = await h.putAs("GitRepository", "app", { url: "https://git.example/app.git" });
  const object = await h.adapters.state.getObject(key);
  const artifact = {
    revision,
    digest: stored.digest,
    size: stored.size,
    url: stored.url,
    lastUpdateTime: new Date().toISOString(),
  };
  await h.adapters.state.writeStatus(key, { artifact }, object?.statusVersion ?? 0);
  return key;
}

async function helloFiles(prefix: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const path of ["Chart.yaml", "values.yaml", "templates/deployment.yaml"])
    out[`${prefix}/${path}`] = await readFile(join(HELLO, path), "utf8");
  return out;
}

describe("HelmChart from a GitRepository artifact", () => {
  it("packages the chart folder, by chart version or by source revision, with values files from the source root", async () => {
    const h = await harness();
    await gitRepository(h, {
      ...(await helloFiles("charts/hello")),
      "charts/hello/.helmignore": "*.md\n",
      "charts/hello/NOTES.md": "ignored\n",
      "envs/prod.yaml": "replicaCount: 5\n",
    });
    const sourceRef = { kind: "GitRepository", name: "app" };
    const key = await h.put("hello", { chart: "./charts/hello", sourceRef });
    const first = await h.poll(key);
    expect(first.ready).toMatchObject({
      status: "True",
      message: "packaged 'hello' chart with version '0.1.0'",
    });
    expect(first.object.status).toMatchObject({
      observedChartName: "hello",
      observedSourceArtifactRevision: GIT_REVISION,
    });
    const artifact = artifactOf(first.object);
    // As `helm package`: .helmignore applies (NOTES.md dropped) and is itself packaged.
    expect(Object.keys(await h.files(artifact)).sort()).toEqual([
      "hello/.helmignore",
      "hello/Chart.yaml",
      "hello/templates/deployment.yaml",
      "hello/values.yaml",
    ]);
    expect(await h.template(artifact)).toContain("replicas: 1");
    expect((await h.poll(key)).run).toMatchObject({ statusWritten: false });

    await h.put("hello", {
      chart: "charts/hello",
      sourceRef,
      reconcileStrategy: "Revision",
      valuesFiles: ["charts/hello/values.yaml", "envs/prod.yaml"],
    });
    const byRevision = await h.poll(key);
    expect(artifactOf(byRevision.object)?.revision).toBe("0.1.0+4e5cbb7b97d0.2");
    expect(await h.template(artifactOf(byRevision.object))).toContain("replicas: 5");
  });

  it("reports a missing chart folder and dependencies that are not vendored", async () => {
    const h = await harness();
    const files = await helloFiles("charts/hello");
    files["charts/hello/Chart.yaml"] +=
      "dependencies:\n  - name: redis\n    version: 1.x\n    repository: https://charts.example\n";
    await gitRepository(h, files);
    const sourceRef = { kind: "GitRepository", name: "app" };
    const missing = await h.poll(await h.put("missing", { chart: "charts/absent", sourceRef }));
    expect(missing.ready).toMatchObject({ status: "False", reason: "InvalidChartReference" });
    expect(missing.ready?.message).toBe(
      `no chart at 'charts/absent' in GitRepository 'default/app' revision '${GIT_REVISION}': charts/absent/Chart.yaml does not exist; check spec.chart`,
    );
    const deps = await h.poll(await h.put("deps", { chart: "charts/hello", sourceRef }));
    expect(deps.ready).toMatchObject({ status: "False", reason: "DependencyBuildError" });
    expect(deps.ready?.message).toContain("redis (https://charts.example)");
    expect(deps.ready?.message).toContain("run 'helm dependency build' and commit charts/");
  });
});

describe("HelmChart from an OCI HelmRepository", () => {
  it("pulls the highest matching tag that helm push stored, and skips the download while it is current", async () => {
    const h = await harness();
    const { registry } = testEnv();
    await h.helm.run(
      [
        "registry",
        "login",
        registry.host,
        "--username",
        registry.username,
        "--password-stdin",
        "--plain-http",
      ],
      registry.password,
    );
    const prefix = `charts-${Math.random().toString(36).slice(2, 8)}`;
    const dest = join(h.scratch, "oci");
    const packaged: Record<string, string> = {};
    for (const version of ["0.1.0", "0.2.0+build.1"]) {
      packaged[version] = await h.helm.packageChart({ from: HELLO, version, dest });
      await h.helm.run(["push", packaged[version] ?? "", `oci://${registry.host}/${prefix}`, "--plain-http"]);
    }
    await h.secret("registry-creds", { username: registry.username, password: registry.password });
    const repo = await h.putAs("HelmRepository", "oci", {
      type: "oci",
      url: `oci://${registry.host}/${prefix}`,
      insecure: true,
      secretRef: { name: "registry-creds" },
    });
    expect((await h.poll(repo)).ready).toMatchObject({ status: "True" });

    const key = await h.put("hello", chartSpec(repo, { version: "0.x" }));
    const first = await h.poll(key);
    expect(first.ready).toMatchObject({
      status: "True",
      message: "pulled 'hello' chart with version '0.2.0+build.1'",
    });
    const artifact = artifactOf(first.object);
    expect(await h.bytes(artifact)).toEqual(await readFile(packaged["0.2.0+build.1"] ?? ""));

    h.meter.reset();
    const second = await h.poll(key);
    expect(second.run).toMatchObject({ ready: true, statusWritten: false });
    // Only the tag list (and its auth challenge): no manifest, no blob.
    expect(h.meter.bytesIn).toBeLessThan(500);

    await h.put("hello", chartSpec(repo, { version: "0.1.0" }));
    h.meter.reset();
    const exact = await h.poll(key);
    expect(artifactOf(exact.object)?.revision).toBe("0.1.0");
    expect(await h.bytes(artifactOf(exact.object))).toEqual(await readFile(packaged["0.1.0"] ?? ""));

    await h.secret("registry-creds", { username: registry.username, password: "wrong-password" });
    await h.put("hello", chartSpec(repo, { version: "0.2.x" }));
    const denied = await h.poll(key);
    expect(denied.ready).toMatchObject({ status: "False", reason: "AuthenticationFailed" });
    expect(denied.ready?.message).toContain(
      "check the username and password in secret 'default/registry-creds'",
    );
  });
});
