import { createHash } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { findCondition } from "../../../shared/api/conditions.ts";
import { conditionsOf } from "../../../shared/reconcile/status.ts";
import { artifactOf } from "../../../shared/sources/artifact/publish.ts";
import { HelmRepositoryReconciler } from "../../../shared/sources/helm/helm-repository.ts";
import type { SourceLimits } from "../../../shared/sources/source-deps.ts";
import { testEnv } from "../../env/context.ts";
import { helmCli, startChartRepositoryServer } from "../../helpers/chart-repository-server.ts";
import { sourceHarness } from "../../helpers/source-harness.ts";
import { tempDir } from "../../helpers/temp-dir.ts";

const HELLO = join(import.meta.dirname, "../../fixtures/charts/hello");
const CREDENTIALS = { username: "charts", password: "s3cret-chart-password" };

function harness(options: { limits?: Partial<SourceLimits> } = {}) {
  return sourceHarness({
    kind: "HelmRepository",
    reconciler: (deps) => new HelmRepositoryReconciler(deps),
    limits: options.limits,
    random: () => 0.5,
  });
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
    const key = await h.put("charts", { url: `${repo.server.url}/`, interval: "5m" });

    const first = await h.poll(key);
    expect(first.ready).toMatchObject({ status: "True" });
    const index = await readFile(join(repo.dir, "index.yaml"));
    const artifact = artifactOf(first.object);
    expect(artifact).toMatchObject({ revision: sha256(index), digest: sha256(index), size: index.length });
    expect(first.ready?.message).toBe(`stored artifact for revision '${sha256(index)}'`);
    expect(first.object.status?.url).toBe(repo.server.url);

    h.meter.reset();
    const second = await h.poll(key);
    expect(second.run).toMatchObject({ outcome: "reconciled", ready: true, statusWritten: false });
    expect(h.meter).toMatchObject({ requests: 1, bytesIn: 0 });
    expect(repo.server.requests.at(-1)).toMatchObject({ path: "/index.yaml", status: 304, bytes: 0 });

    await repo.helm.packageChart({ from: HELLO, version: "0.2.0", dest: repo.dir });
    await repo.helm.index(repo.dir);
    const third = await h.poll(key);
    const newIndex = await readFile(join(repo.dir, "index.yaml"));
    expect(artifactOf(third.object)?.revision).toBe(sha256(newIndex));
    expect(newIndex.toString()).toContain("version: 0.2.0");
  });

  it("authenticates with the username and password of spec.secretRef and names the secret when they are wrong", async () => {
    const repo = await chartRepository(["0.1.0"], CREDENTIALS);
    const h = await harness();
    await h.secret("chart-creds", CREDENTIALS);
    await h.secret("wrong-creds", { username: "charts", password: "not-the-password" });

    const anonymous = await h.poll(await h.put("anonymous", { url: repo.server.url }));
    expect(anonymous.ready).toMatchObject({ status: "False", reason: "AuthenticationFailed" });
    expect(anonymous.ready?.message).toMatch(/requires authentication \(HTTP 401\): set spec\.secretRef/);

    const key = await h.put("private", { url: repo.server.url, secretRef: { name: "chart-creds" } });
    const ok = await h.poll(key);
    expect(ok.ready).toMatchObject({ status: "True" });
    const stored = artifactOf(ok.object);

    await h.put("private", { url: repo.server.url, secretRef: { name: "wrong-creds" } });
    const wrong = await h.poll(key);
    expect(wrong.ready).toMatchObject({ status: "False", reason: "AuthenticationFailed" });
    expect(wrong.ready?.message).toBe(
      `authentication to ${repo.server.url}/index.yaml failed (HTTP 401): check the username and password in secret 'default/wrong-creds'`,
    );
    expect(JSON.stringify(wrong.object.status)).not.toContain("not-the-password");
    // The last good index keeps serving.
    expect(artifactOf(wrong.object)).toEqual(stored);

    await h.put("private", { url: repo.server.url, secretRef: { name: "absent" } });
    expect((await h.poll(key)).ready?.message).toBe(
      "secret 'default/absent' named by spec.secretRef was not found",
    );
  });

  it("reports a corrupt index, an unreachable server and an oversized index, keeping the last artifact", async () => {
    const repo = await chartRepository(["0.1.0"]);
    const h = await harness({ limits: { maxArtifactBytes: 4096 } });
    const key = await h.put("charts", { url: repo.server.url });
    const stored = artifactOf((await h.poll(key)).object);
    expect(stored).toBeDefined();

    await writeFile(join(repo.dir, "index.yaml"), "apiVersion: v1\nentries:\n  hello: [\n");
    const corrupt = await h.poll(key);
    expect(corrupt.ready).toMatchObject({ status: "False", reason: "IndexationFailed" });
    expect(corrupt.ready?.message).toMatch(
      /index\.yaml is not a valid Helm repository index: YAML parse error/,
    );
    expect(artifactOf(corrupt.object)).toEqual(stored);

    await writeFile(join(repo.dir, "index.yaml"), `apiVersion: v1\nentries: {}\n# ${"x".repeat(5000)}\n`);
    const large = await h.poll(key);
    expect(large.ready).toMatchObject({ status: "False", reason: "SizeLimitExceeded" });

    await writeFile(join(repo.dir, "index.yaml"), "entries: {}\n");
    expect((await h.poll(key)).ready?.message).toMatch(/no apiVersion specified/);

    await repo.server.close();
    const down = await h.poll(key);
    expect(down.ready).toMatchObject({ status: "False", reason: "IndexationFailed" });
    expect(down.ready?.message).toMatch(
      new RegExp(`cannot reach ${repo.server.url}/index.yaml: ECONNREFUSED`),
    );
    expect(artifactOf(down.object)).toEqual(stored);

    const missing = await h.poll(await h.put("nothing-here", { url: `${repo.server.url}/x` }));
    expect(missing.ready).toMatchObject({ status: "False", reason: "IndexationFailed" });
  });

  it("takes an OCI repository as a pointer: ready, no artifact, no request; unsupported fields stall", async () => {
    const h = await harness();
    const key = await h.put("oci", { type: "oci", url: "oci://registry.example/charts", interval: "5m" });
    const oci = await h.poll(key);
    expect(oci.ready).toMatchObject({ status: "True" });
    expect(oci.ready?.message).toContain("'oci://registry.example/charts' is an OCI registry");
    expect(artifactOf(oci.object)).toBeUndefined();
    expect(h.meter.requests).toBe(0);

    await h.put("oci", { type: "oci", url: "oci://registry.example/charts", provider: "aws" });
    const aws = await h.poll(key);
    expect(aws.ready).toMatchObject({ status: "False", reason: "UnsupportedField" });
    expect(findCondition(conditionsOf(aws.object.status), "Stalled")?.status).toBe("True");

    const wrongScheme = await h.poll(await h.put("mixed", { url: "oci://registry.example/charts" }));
    expect(wrongScheme.ready).toMatchObject({ status: "False", reason: "URLInvalid" });
    expect(wrongScheme.ready?.message).toContain("or set spec.type: oci");
  });
});
