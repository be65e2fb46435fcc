import { createHash } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { localAdapters } from "../../../shared/adapters/local/runtime.ts";
import { findCondition } from "../../../shared/api/conditions.ts";
import { type ObjectKey, systemClock } from "../../../shared/ports/index.ts";
import { reconcileObject } from "../../../shared/reconcile/reconcile-object.ts";
import { ReconcilerRegistry } from "../../../shared/reconcile/registry.ts";
import { conditionsOf } from "../../../shared/reconcile/status.ts";
import { artifactOf } from "../../../shared/sources/artifact/publish.ts";
import { HelmRepositoryReconciler } from "../../../shared/sources/helm/helm-repository.ts";
import type { SourceLimits } from "../../../shared/sources/source-deps.ts";
import { TransferMeter } from "../../../shared/sources/transfer-meter.ts";
import { testEnv } from "../../env/context.ts";
import { helmCli, startChartRepositoryServer } from "../../helpers/chart-repository-server.ts";
import { tempDir } from "../../helpers/temp-dir.ts";

const HELLO = join(import.meta.dirname, "../../fixtures/charts/hello");
const CREDENTIALS = { username: "charts", password: "s3cret-chart-password" };

async function harness(options: { limits?: Partial<SourceLimits> } = {}) {
  const dataDir = await tempDir();
  const adapters = localAdapters({ dataDir });
  onTestFinished(() => adapters.database.close());
  await mkdir(join(dataDir, "secrets", "default"), { recursive: true });
  const meter = new TransferMeter();
  const reconciler = new HelmRepositoryReconciler({
    artifacts: adapters.artifacts,
    secrets: adapters.secrets,
    state: adapters.state,
    meter,
    ...(options.limits ? { limits: options.limits } : {}),
  });
  const loop = {
    state: adapters.state,
    events: adapters.events,
    registry: new ReconcilerRegistry([reconciler]),
    clock: systemClock,
    random: () => 0.5,
  };
  return {
    adapters,
    meter,
    async secret(name: string, data: Record<string, string>) {
      await writeFile(join(dataDir, "secrets", "default", `${name}.json`), JSON.stringify(data));
    },
    async apply(name: string, spec: Record<string, unknown>): Promise<ObjectKey> {
      const key = { kind: "HelmRepository", namespace: "default", name };
      await adapters.state.putObject({ key, apiVersion: "source.toolkit.fluxcd.io/v1", metadata: {}, spec });
      return key;
    },
    async reconcile(key: ObjectKey) {
      const run = await reconcileObject({ key, reason: "manual" }, "test-worker", loop);
      const object = await adapters.state.getObject(key);
      if (!object) throw new Error("object vanished");
      return { run, object, ready: findCondition(conditionsOf(object.status), "Ready") };
    },
  };
}

/** A served folder with `hello` packaged at each version and indexed with relative URLs. */
async function chartRepository(versions: string[], auth?: typeof CREDENTIALS) {
  const scratch = await tempDir("sluice-helm-");
  const dir = join(scratch, "repo");
  const helm = helmCli(testEnv().tools.helm, scratch);
  for (const version of versions) await helm.packageChart({ from: HELLO, version, dest: dir });
  await helm.index(dir);
  const server = await startChartRepositoryServer({ dir, ...(auth ? { auth } : {}) });
  onTestFinished(() => server.close());
  return { dir, helm, server };
}

const sha256 = (bytes: Uint8Array) => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;

describe("HelmRepository against a static chart repository", () => {
  it("stores index.yaml as the artifact; a poll with nothing new is a 304 that downloads and writes nothing", async () => {
    const repo = await chartRepository(["0.1.0"]);
    const h = await harness();
    const key = await h.apply("charts", { url: `${repo.server.url}/`, interval: "5m" });

    const first = await h.reconcile(key);
    expect(first.ready).toMatchObject({ status: "True" });
    const index = await readFile(join(repo.dir, "index.yaml"));
    const artifact = artifactOf(first.object);
    expect(artifact).toMatchObject({ revision: sha256(index), digest: sha256(index), size: index.length });
    expect(first.ready?.message).toBe(`stored artifact for revision '${sha256(index)}'`);
    expect(first.object.status?.url).toBe(repo.server.url);

    h.meter.reset();
    const second = await h.reconcile(key);
    expect(second.run).toMatchObject({ outcome: "reconciled", ready: true, statusWritten: false });
    expect(h.meter).toMatchObject({ requests: 1, bytesIn: 0 });
    expect(repo.server.requests.at(-1)).toMatchObject({ path: "/index.yaml", status: 304, bytes: 0 });

    await repo.helm.packageChart({ from: HELLO, version: "0.2.0", dest: repo.dir });
    await repo.helm.index(repo.dir);
    const third = await h.reconcile(key);
    const newIndex = await readFile(join(repo.dir, "index.yaml"));
    expect(artifactOf(third.object)?.revision).toBe(sha256(newIndex));
    expect(newIndex.toString()).toContain("version: 0.2.0");
  });

  it("authenticates with the username and password of spec.secretRef and names the secret when they are wrong", async () => {
    const repo = await chartRepository(["0.1.0"], CREDENTIALS);
    const h = await harness();
    await h.secret("chart-creds", CREDENTIALS);
    await h.secret("wrong-creds", { username: "charts", password: "not-the-password" });

    const anonymous = await h.reconcile(await h.apply("anonymous", { url: repo.server.url }));
    expect(anonymous.ready).toMatchObject({ status: "False", reason: "AuthenticationFailed" });
    expect(anonymous.ready?.message).toMatch(/requires authentication \(HTTP 401\): set spec\.secretRef/);

    const key = await h.apply("private", { url: repo.server.url, secretRef: { name: "chart-creds" } });
    const ok = await h.reconcile(key);
    expect(ok.ready).toMatchObject({ status: "True" });
    const stored = artifactOf(ok.object);

    await h.apply("private", { url: repo.server.url, secretRef: { name: "wrong-creds" } });
    const wrong = await h.reconcile(key);
    expect(wrong.ready).toMatchObject({ status: "False", reason: "AuthenticationFailed" });
    expect(wrong.ready?.message).toBe(
      `authentication to ${repo.server.url}/index.yaml failed (HTTP 401): check the username and password in secret 'default/wrong-creds'`,
    );
    expect(JSON.stringify(wrong.object.status)).not.toContain("not-the-password");
    // The last good index keeps serving.
    expect(artifactOf(wrong.object)).toEqual(stored);

    await h.apply("private", { url: repo.server.url, secretRef: { name: "absent" } });
    expect((await h.reconcile(key)).ready?.message).toBe(
      "secret 'default/absent' named by spec.secretRef was not found",
    );
  });

  it("reports a corrupt index, an unreachable server and an oversized index, keeping the last artifact", async () => {
    const repo = await chartRepository(["0.1.0"]);
    const h = await harness({ limits: { maxArtifactBytes: 4096 } });
    const key = await h.apply("charts", { url: repo.server.url });
    const stored = artifactOf((await h.reconcile(key)).object);
    expect(stored).toBeDefined();

    await writeFile(join(repo.dir, "index.yaml"), "apiVersion: v1\nentries:\n  hello: [\n");
    const corrupt = await h.reconcile(key);
    expect(corrupt.ready).toMatchObject({ status: "False", reason: "IndexationFailed" });
    expect(corrupt.ready?.message).toMatch(
      /index\.yaml is not a valid Helm repository index: YAML parse error/,
    );
    expect(artifactOf(corrupt.object)).toEqual(stored);

    await writeFile(join(repo.dir, "index.yaml"), `apiVersion: v1\nentries: {}\n# ${"x".repeat(5000)}\n`);
    const large = await h.reconcile(key);
    expect(large.ready).toMatchObject({ status: "False", reason: "SizeLimitExceeded" });

    await writeFile(join(repo.dir, "index.yaml"), "entries: {}\n");
    expect((await h.reconcile(key)).ready?.message).toMatch(/no apiVersion specified/);

    await repo.server.close();
    const down = await h.reconcile(key);
    expect(down.ready).toMatchObject({ status: "False", reason: "IndexationFailed" });
    expect(down.ready?.message).toMatch(
      new RegExp(`cannot reach ${repo.server.url}/index.yaml: ECONNREFUSED`),
    );
    expect(artifactOf(down.object)).toEqual(stored);

    const missing = await h.reconcile(await h.apply("nothing-here", { url: `${repo.server.url}/x` }));
    expect(missing.ready).toMatchObject({ status: "False", reason: "IndexationFailed" });
  });

  it("takes an OCI repository as a pointer: ready, no artifact, no request; unsupported fields stall", async () => {
    const h = await harness();
    const key = await h.apply("oci", { type: "oci", url: "oci://registry.example/charts", interval: "5m" });
    const oci = await h.reconcile(key);
    expect(oci.ready).toMatchObject({ status: "True" });
    expect(oci.ready?.message).toContain("'oci://registry.example/charts' is an OCI registry");
    expect(artifactOf(oci.object)).toBeUndefined();
    expect(h.meter.requests).toBe(0);

    await h.apply("oci", { type: "oci", url: "oci://registry.example/charts", provider: "aws" });
    const aws = await h.reconcile(key);
    expect(aws.ready).toMatchObject({ status: "False", reason: "UnsupportedField" });
    expect(findCondition(conditionsOf(aws.object.status), "Stalled")?.status).toBe("True");

    const wrongScheme = await h.reconcile(await h.apply("mixed", { url: "oci://registry.example/charts" }));
    expect(wrongScheme.ready).toMatchObject({ status: "False", reason: "URLInvalid" });
    expect(wrongScheme.ready?.message).toContain("or set spec.type: oci");
  });
});
