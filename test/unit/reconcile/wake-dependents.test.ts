import { describe, expect, it, onTestFinished } from "vitest";
import { localAdapters } from "../../../shared/adapters/local/runtime.ts";
import { sourcesOf } from "../../../shared/api/references.ts";
import { wakeDependents } from "../../../shared/reconcile/wake-dependents.ts";
import { decodeWorkRequest } from "../../../shared/reconcile/work-request.ts";
import { tempDir } from "../../helpers/temp-dir.ts";

const repo = { kind: "GitRepository", namespace: "flux-system", name: "app" };

describe("wakeDependents", () => {
  it("enqueues each object that reads the updated source, once per revision", async () => {
    const adapters = localAdapters({ dataDir: await tempDir() });
    onTestFinished(() => adapters.database.close());
    const put = (kind: string, name: string, spec: Record<string, unknown>) =>
      adapters.state.putObject({
        key: { kind, namespace: "flux-system", name },
        apiVersion: "v1",
        metadata: {},
        spec,
      });
    await put("Kustomization", "apps", { sourceRef: { kind: "GitRepository", name: "app" } });
    await put("HelmChart", "chart", {
      sourceRef: { kind: "GitRepository", name: "app", namespace: "flux-system" },
    });
    await put("GitRepository", "with-include", { include: [{ repository: { name: "app" } }] });
    await put("Kustomization", "other", { sourceRef: { kind: "GitRepository", name: "elsewhere" } });
    await put("Kustomization", "paused", {
      suspend: true,
      sourceRef: { kind: "GitRepository", name: "app" },
    });
    const sink = wakeDependents({ sink: adapters.events, state: adapters.state, queue: adapters.queue });
    const event = {
      key: repo,
      type: "Normal" as const,
      reason: "ArtifactUpdated",
      message: "stored",
      revision: "main@sha1:1",
      timestamp: Date.now(),
    };
    await sink.publish([event]);
    await sink.publish([event]);
    const messages = await adapters.queue.receive({ max: 10, visibilityMs: 60_000 });
    const woken = messages.map((m) => decodeWorkRequest(m.body));
    expect(woken.map((w) => w.key.name).sort()).toEqual(["apps", "chart", "with-include"]);
    expect(woken.every((w) => w.reason === "artifact")).toBe(true);
    expect(await adapters.eventLog.list({ key: repo })).toHaveLength(2);
  });

  it("wakes the Kustomizations that depend on one that just succeeded, and not on a failure", async () => {
    const adapters = localAdapters({ dataDir: await tempDir() });
    onTestFinished(() => adapters.database.close());
    const put = (name: string, spec: Record<string, unknown>) =>
      adapters.state.putObject({
        key: { kind: "Kustomization", namespace: "flux-system", name },
        apiVersion: "v1",
        metadata: {},
        spec,
      });
    await put("infra", {});
    await put("apps", { dependsOn: [{ name: "infra" }] });
    await put("tenants", { dependsOn: [{ name: "infra", namespace: "other" }] });
    const sink = wakeDependents({ sink: adapters.events, state: adapters.state, queue: adapters.queue });
    const infra = { kind: "Kustomization", namespace: "flux-system", name: "infra" };
    const event = { key: infra, message: "applied", revision: "main@sha1:1", timestamp: Date.now() };
    await sink.publish([{ ...event, type: "Warning", reason: "HealthCheckFailed" }]);
    expect(await adapters.queue.receive({ max: 10, visibilityMs: 60_000 })).toEqual([]);
    await sink.publish([{ ...event, type: "Normal", reason: "ReconciliationSucceeded" }]);
    const woken = (await adapters.queue.receive({ max: 10, visibilityMs: 60_000 })).map((m) =>
      decodeWorkRequest(m.body),
    );
    expect(woken).toEqual([
      { key: { kind: "Kustomization", namespace: "flux-system", name: "apps" }, reason: "dependency" },
    ]);
  });

  it("reads HelmRelease chart templates and chartRefs", () => {
    const object = {
      key: { kind: "HelmRelease", namespace: "apps", name: "web" },
      apiVersion: "helm.toolkit.fluxcd.io/v2",
      metadata: {},
      generation: 1,
      status: undefined,
      statusVersion: 0,
      dueAt: undefined,
      spec: {
        chart: { spec: { sourceRef: { kind: "HelmRepository", name: "charts", namespace: "flux-system" } } },
      },
    };
    expect(sourcesOf(object)).toEqual([{ kind: "HelmRepository", namespace: "flux-system", name: "charts" }]);
  });
});
