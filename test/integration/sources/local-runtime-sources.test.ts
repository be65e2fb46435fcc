import { readFile } from "node:fs/promises";
import { describe, expect, it, onTestFinished } from "vitest";
import { startLocalRuntime } from "../../../shared/runtime/local-runtime.ts";
import { testEnv } from "../../env/context.ts";
import { GitFixture } from "../../helpers/git-fixture.ts";
import { tempDir } from "../../helpers/temp-dir.ts";

const chartDir = new URL("../../fixtures/charts/hello/", import.meta.url);

type View = { status: { artifact?: { revision: string }; conditions?: { type: string; status: string }[] } };

describe("sources on the local runtime", () => {
  it("registers a GitRepository and a HelmChart over the API; a new commit flows to the chart without waiting for its interval", async () => {
    const env = testEnv();
    const repo = await GitFixture.create(env.git, `runtime/charts-${Date.now()}`);
    const chart = (version: string) =>
      readFile(new URL("Chart.yaml", chartDir), "utf8").then((t) =>
        t.replace("version: 0.1.0", `version: ${version}`),
      );
    await repo.commit({
      "charts/hello/Chart.yaml": await chart("0.1.0"),
      "charts/hello/values.yaml": await readFile(new URL("values.yaml", chartDir), "utf8"),
      "charts/hello/templates/deployment.yaml": await readFile(
        new URL("templates/deployment.yaml", chartDir),
        "utf8",
      ),
    });

    const runtime = await startLocalRuntime({
      dataDir: await tempDir("sluice-sources-"),
      port: 0,
      tickMs: 100,
    });
    onTestFinished(() => runtime.stop());
    expect(runtime.kinds).toEqual(
      expect.arrayContaining(["GitRepository", "HelmChart", "Bucket", "HelmRepository"]),
    );
    const put = async (kind: string, name: string, apiVersion: string, spec: Record<string, unknown>) => {
      const response = await fetch(`${runtime.url}/v1/objects/${kind}/flux-system/${name}`, {
        method: "PUT",
        body: JSON.stringify({ apiVersion, kind, metadata: { name, namespace: "flux-system" }, spec }),
      });
      expect(response.status).toBe(200);
    };
    const get = async (kind: string, name: string) =>
      (await (await fetch(`${runtime.url}/v1/objects/${kind}/flux-system/${name}`)).json()) as View;

    await put("GitRepository", "charts", "source.toolkit.fluxcd.io/v1", {
      url: repo.url,
      interval: "1h",
      ref: { branch: "main" },
    });
    // A long interval: only the source's ArtifactUpdated event can bring the chart its new version.
    await put("HelmChart", "hello", "source.toolkit.fluxcd.io/v1", {
      chart: "charts/hello",
      interval: "1h",
      sourceRef: { kind: "GitRepository", name: "charts" },
    });
    await expect
      .poll(async () => (await get("HelmChart", "hello")).status.artifact?.revision, {
        timeout: 30_000,
        interval: 200,
      })
      .toBe("0.1.0");

    const commit = await repo.commit({ "charts/hello/Chart.yaml": await chart("0.2.0") });
    const reconcile = await fetch(`${runtime.url}/v1/objects/GitRepository/flux-system/charts/reconcile`, {
      method: "POST",
    });
    expect(reconcile.status).toBe(202);
    await expect
      .poll(async () => (await get("GitRepository", "charts")).status.artifact?.revision, {
        timeout: 30_000,
        interval: 200,
      })
      .toBe(`main@sha1:${commit}`);
    await expect
      .poll(async () => (await get("HelmChart", "hello")).status.artifact?.revision, {
        timeout: 30_000,
        interval: 200,
      })
      .toBe("0.2.0");
    const events = (await (
      await fetch(`${runtime.url}/v1/events?object=GitRepository/flux-system/charts`)
    ).json()) as {
      items: { reason: string; revision?: string }[];
    };
    expect(events.items.filter((e) => e.reason === "ArtifactUpdated").map((e) => e.revision)).toContain(
      `main@sha1:${commit}`,
    );
  });
});
