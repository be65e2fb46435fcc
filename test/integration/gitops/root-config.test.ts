import { randomUUID } from "node:crypto";
import { AppsV1Api, CoreV1Api } from "@kubernetes/client-node";
import { describe, expect, it, onTestFinished } from "vitest";
import { findCondition } from "../../../shared/api/conditions.ts";
import { CommandError, requestDeletion, requestReconcile } from "../../../shared/control/commands.ts";
import { ensureRootObjects, ROOT_NAME, ROOT_NAMESPACE } from "../../../shared/control/root-config.ts";
import type { ObjectKey } from "../../../shared/ports/index.ts";
import { enqueueDue } from "../../../shared/reconcile/scheduler.ts";
import { conditionsOf } from "../../../shared/reconcile/status.ts";
import { wakeDependents } from "../../../shared/reconcile/wake-dependents.ts";
import { processBatch } from "../../../shared/reconcile/worker.ts";
import { adminKubeConfig, testEnv } from "../../env/context.ts";
import { GitFixture } from "../../helpers/git-fixture.ts";
import { localEngine } from "../../helpers/local-engine.ts";

const rootKs: ObjectKey = { kind: "Kustomization", namespace: ROOT_NAMESPACE, name: ROOT_NAME };
const rootGit: ObjectKey = { kind: "GitRepository", namespace: ROOT_NAMESPACE, name: ROOT_NAME };

/** A repository laid out as `flux bootstrap` leaves it, with Flux's own installation in it. */
function fluxRepository(ns: string) {
  const kustomization = (name: string, path: string, extra = "") =>
    `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: ${name}\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: ${path}\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n${extra}`;
  return {
    "clusters/dev/flux-system/kustomization.yaml": "resources:\n- gotk-components.yaml\n- gotk-sync.yaml\n",
    "clusters/dev/flux-system/gotk-components.yaml": [
      "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: flux-system\n  labels:\n    app.kubernetes.io/part-of: flux\n",
      "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: kustomizations.kustomize.toolkit.fluxcd.io\nspec:\n  group: kustomize.toolkit.fluxcd.io\n  names: {kind: Kustomization, plural: kustomizations}\n  scope: Namespaced\n  versions: []\n",
      `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: kustomize-controller-${ns}\n  namespace: default\n  labels:\n    app.kubernetes.io/part-of: flux\nspec:\n  selector: {matchLabels: {app: kc}}\n  template:\n    metadata: {labels: {app: kc}}\n    spec: {containers: [{name: manager, image: ghcr.io/fluxcd/kustomize-controller:v1.5.0}]}\n`,
    ].join("---\n"),
    // What bootstrap writes: an SSH URL sluice could not use. The deployment's parameters win.
    "clusters/dev/flux-system/gotk-sync.yaml": `apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: flux-system\n  namespace: flux-system\nspec:\n  interval: 1m\n  ref: {branch: main}\n  secretRef: {name: flux-system}\n  url: ssh://git@github.com/example/fleet\n---\n${kustomization("flux-system", "./clusters/dev")}`,
    "clusters/dev/infrastructure.yaml": kustomization("infra", "./infrastructure"),
    "clusters/dev/apps.yaml": kustomization("apps", "./apps", "  dependsOn:\n  - name: infra\n"),
    "infrastructure/ns.yaml": `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${ns}\n`,
    "apps/settings.yaml": `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: ${ns}\ndata:\n  color: blue\n`,
  };
}

async function setup(kubeconfig = testEnv().kube.kubeconfig) {
  const { env, adapters, registry } = await localEngine({ kubeconfig, prefix: "sluice-root-" });
  const deps = {
    ...adapters,
    events: wakeDependents({ sink: adapters.events, state: adapters.state, queue: adapters.queue }),
    registry,
    holder: "test",
    busyRetryMs: 0,
  };
  const ns = `root-${randomUUID().slice(0, 8)}`;
  const repo = await GitFixture.create(env.git, `gitops/${ns}`);
  const core = adminKubeConfig().makeApiClient(CoreV1Api);
  onTestFinished(async () => {
    await core.deleteNamespace({ name: ns }).catch(() => {});
  });
  /** Scheduler tick, then worker passes until the queue is empty: the whole wake-up chain. */
  const settle = async () => {
    await enqueueDue(deps);
    for (let pass = 0; pass < 30; pass++) {
      const messages = await adapters.queue.receive({ max: 10, visibilityMs: 60_000 });
      if (messages.length === 0) return;
      await processBatch(messages, deps);
    }
    throw new Error("the queue did not settle in 30 passes");
  };
  const ready = async (key: ObjectKey) =>
    findCondition(conditionsOf((await adapters.state.getObject(key))?.status), "Ready");
  const settings = () =>
    core.readNamespacedConfigMap({ name: "settings", namespace: ns }).then(
      (cm) => cm,
      () => undefined,
    );
  return { adapters, repo, ns, core, settle, ready, settings, deps };
}

describe("configuration is GitOps too", () => {
  it("registers a Flux repository's toolkit objects, applies the rest, skips Flux's installation, and follows Git", async () => {
    const t = await setup();
    await t.repo.commit(fluxRepository(t.ns));
    await ensureRootObjects(t.adapters.state, { url: t.repo.url, path: "./clusters/dev" });
    await t.settle();

    expect(await t.ready(rootKs)).toMatchObject({ status: "True" });
    const infra = { kind: "Kustomization", namespace: "flux-system", name: "infra" };
    const apps = { kind: "Kustomization", namespace: "flux-system", name: "apps" };
    expect(await t.ready(infra)).toMatchObject({ status: "True" });
    expect(await t.ready(apps)).toMatchObject({ status: "True" });
    expect((await t.adapters.state.getObject(apps))?.metadata.labels).toMatchObject({
      "kustomize.toolkit.fluxcd.io/name": ROOT_NAME,
    });
    expect((await t.settings())?.data).toEqual({ color: "blue" });

    // gotk-sync.yaml's own copy of the root did not replace the deployment's parameters.
    expect((await t.adapters.state.getObject(rootGit))?.spec.url).toBe(t.repo.url);
    // Flux's controllers were not installed; one event said so.
    const apiserverDeployments = await adminKubeConfig()
      .makeApiClient(AppsV1Api)
      .listNamespacedDeployment({ namespace: "default" });
    expect(apiserverDeployments.items.map((d) => d.metadata?.name)).not.toContain(
      `kustomize-controller-${t.ns}`,
    );
    const rootEvents = await t.adapters.eventLog.list({ key: rootKs });
    expect(rootEvents.filter((e) => e.reason === "FluxInstallationSkipped")).toHaveLength(1);
    expect(rootEvents.map((e) => e.message).join("\n")).toContain("Kustomization/flux-system/apps created");

    // Nothing new: a second pass of everything writes no status.
    const before = (await t.adapters.state.getObject(apps))?.statusVersion;
    await requestReconcile(t.adapters, rootKs);
    await t.settle();
    expect((await t.adapters.state.getObject(apps))?.statusVersion).toBe(before);

    // apps leaves Git: it is deregistered, and what it applied is pruned first.
    await t.repo.commit({ "clusters/dev/apps.yaml": null });
    await requestReconcile(t.adapters, rootGit);
    await t.settle();
    expect(await t.adapters.state.getObject(apps)).toBeUndefined();
    expect(await t.settings()).toBeUndefined();
    expect(await t.ready(infra)).toMatchObject({ status: "True" });

    // The root itself cannot be deleted from the API.
    await expect(requestDeletion(t.adapters, rootKs)).rejects.toBeInstanceOf(CommandError);
  });

  it("registers the valid objects when one is invalid, and names the bad one", async () => {
    const t = await setup();
    await t.repo.commit({
      "clusters/dev/good.yaml": `apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: good\n  namespace: flux-system\nspec:\n  interval: 1h\n  url: ${t.repo.url}\n`,
      "clusters/dev/bad.yaml": `apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: bad\n  namespace: flux-system\n  labels:\n    team: 7\nspec:\n  interval: 1h\n  url: ${t.repo.url}\n`,
    });
    await ensureRootObjects(t.adapters.state, { url: t.repo.url, path: "./clusters/dev" });
    await t.settle();
    expect(
      await t.adapters.state.getObject({ kind: "GitRepository", namespace: "flux-system", name: "good" }),
    ).toBeDefined();
    expect(
      await t.adapters.state.getObject({ kind: "GitRepository", namespace: "flux-system", name: "bad" }),
    ).toBeUndefined();
    expect(await t.ready(rootKs)).toMatchObject({
      status: "False",
      message: expect.stringContaining(
        "GitRepository/flux-system/bad (clusters/dev/bad.yaml): metadata.labels.team must be a string",
      ),
    });
  });

  it("needs no cluster for a root that only registers toolkit objects", async () => {
    // An installation without a default cluster: every app targets its own through kubeConfig.
    const t = await setup("/nonexistent/kubeconfig");
    await t.repo.commit({
      "clusters/dev/source.yaml": `apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: apps-source\n  namespace: flux-system\nspec:\n  interval: 1h\n  ref: {branch: main}\n  url: ${t.repo.url}\n`,
    });
    await ensureRootObjects(t.adapters.state, { url: t.repo.url, path: "./clusters/dev" });
    await t.settle();
    expect(await t.ready(rootKs)).toMatchObject({ status: "True" });
    expect(
      await t.ready({ kind: "GitRepository", namespace: "flux-system", name: "apps-source" }),
    ).toMatchObject({
      status: "True",
    });
  });
});
