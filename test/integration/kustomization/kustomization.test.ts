import { randomUUID } from "node:crypto";
import { CoreV1Api } from "@kubernetes/client-node";
import { describe, expect, it, onTestFinished } from "vitest";
import { requestDeletion } from "../../../shared/control/commands.ts";
import { adminKubeConfig } from "../../env/context.ts";
import { GitFixture } from "../../helpers/git-fixture.ts";
import { localEngine, putGitKustomization } from "../../helpers/local-engine.ts";

const configMap = (name: string, data: Record<string, string>) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n${Object.entries(data)
    .map(([k, v]) => `  ${k}: "${v}"`)
    .join("\n")}\n`;

/** GitRepository + Kustomization on the local adapters, the real Git server and the real API server. */
async function setup(extraSpec: Record<string, unknown> = {}) {
  const { env, adapters, poll } = await localEngine({ prefix: "sluice-kustomization-" });
  const namespace = `k-${randomUUID().slice(0, 8)}`;
  const repo = await GitFixture.create(env.git, `kustomization/${namespace}`);
  const core = adminKubeConfig().makeApiClient(CoreV1Api);
  onTestFinished(async () => {
    await core.deleteNamespace({ name: namespace }).catch(() => {});
  });
  const { git, ks } = await putGitKustomization(adapters.state, {
    name: namespace,
    url: repo.url,
    spec: extraSpec,
  });
  /** A push, then the source and the Kustomization run, as the wake-up chain would run them. */
  const sync = async () => {
    await poll(git);
    return poll(ks);
  };
  const live = async (name: string) =>
    core.readNamespacedConfigMap({ name, namespace }).then(
      (cm) => cm,
      () => undefined,
    );
  const events = () => adapters.eventLog.list({ key: ks });
  const remove = () => requestDeletion(adapters, ks);
  return { repo, namespace, sync, poll, ks, live, core, events, remove };
}

describe("Kustomization on the real API server", () => {
  it("applies a commit, patches an edit, prunes a removed file, corrects a hand edit and writes nothing when all matches", async () => {
    const t = await setup();
    const first = await t.repo.commit({
      "deploy/ns.yaml": `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${t.namespace}\n`,
      "deploy/a.yaml": configMap("a", { color: "blue" }),
      "deploy/b.yaml": configMap("b", { size: "small" }),
    });
    const applied = await t.sync();
    expect(applied.ready).toMatchObject({ status: "True", message: `Applied revision: main@sha1:${first}` });
    expect(applied.object?.status).toMatchObject({
      lastAppliedRevision: `main@sha1:${first}`,
      lastAttemptedRevision: `main@sha1:${first}`,
      inventory: {
        entries: [
          { id: `_${t.namespace}__Namespace`, v: "v1" },
          { id: `${t.namespace}_a__ConfigMap`, v: "v1" },
          { id: `${t.namespace}_b__ConfigMap`, v: "v1" },
        ],
      },
    });
    const a = await t.live("a");
    expect(a?.data).toEqual({ color: "blue" });
    expect(a?.metadata?.labels).toMatchObject({ "kustomize.toolkit.fluxcd.io/name": t.namespace });

    // Nothing new: the live objects are compared, nothing is written anywhere.
    const steady = await t.poll(t.ks);
    expect(steady.run).toMatchObject({ outcome: "reconciled", ready: true, statusWritten: false });

    const edit = await t.repo.commit({
      "deploy/a.yaml": configMap("a", { color: "green" }),
      "deploy/b.yaml": null,
    });
    const edited = await t.sync();
    expect(edited.ready).toMatchObject({ status: "True", message: `Applied revision: main@sha1:${edit}` });
    expect((await t.live("a"))?.data).toEqual({ color: "green" });
    expect(await t.live("b")).toBeUndefined();
    // As Flux reports it: the change set as Progressing, then the end of the run.
    const news = (await t.events()).filter((e) => e.revision === `main@sha1:${edit}`);
    expect(news.map((e) => [e.reason, e.message])).toEqual([
      ["Progressing", `ConfigMap/${t.namespace}/a configured\nConfigMap/${t.namespace}/b deleted`],
      [
        "ReconciliationSucceeded",
        expect.stringMatching(/^Reconciliation finished in \d+\.\ds, next run in 10m$/),
      ],
    ]);

    // Someone edits the object by hand; the next run at the interval puts it back.
    await t.core.patchNamespacedConfigMap({
      name: "a",
      namespace: t.namespace,
      body: [{ op: "replace", path: "/data/color", value: "red" }],
      fieldManager: "kubectl-edit",
    });
    expect((await t.live("a"))?.data).toEqual({ color: "red" });
    await t.poll(t.ks);
    expect((await t.live("a"))?.data).toEqual({ color: "green" });
    expect((await t.events()).map((e) => e.message)).toContain(
      `corrected drift:\nConfigMap/${t.namespace}/a configured`,
    );
  });

  it("applies nothing and prunes nothing when one manifest is invalid, and says which", async () => {
    const t = await setup();
    const good = await t.repo.commit({
      "deploy/ns.yaml": `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${t.namespace}\n`,
      "deploy/a.yaml": configMap("a", { color: "blue" }),
    });
    expect((await t.sync()).ready).toMatchObject({ status: "True" });
    const bad = await t.repo.commit({
      "deploy/a.yaml": null,
      "deploy/c.yaml": configMap("c", { new: "yes" }),
      "deploy/web.yaml":
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: three\n  selector: { matchLabels: { app: web } }\n  template:\n    metadata: { labels: { app: web } }\n    spec: { containers: [{ name: web, image: nginx }] }\n",
    });
    const failed = await t.sync();
    expect(failed.ready).toMatchObject({ status: "False" });
    expect(failed.ready?.message).toContain(`Deployment/${t.namespace}/web`);
    expect(failed.object?.status).toMatchObject({
      lastAppliedRevision: `main@sha1:${good}`,
      lastAttemptedRevision: `main@sha1:${bad}`,
    });
    // Not applied, not pruned: the cluster is as the last good revision left it.
    expect(await t.live("c")).toBeUndefined();
    expect((await t.live("a"))?.data).toEqual({ color: "blue" });
  });

  it.each([
    ["MirrorPrune", true],
    ["Orphan", false],
  ] as const)(
    "on deletion with deletionPolicy %s, deletes what it applied: %s",
    async (deletionPolicy, deletes) => {
      const t = await setup({ deletionPolicy });
      await t.repo.commit({
        "deploy/ns.yaml": `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${t.namespace}\n`,
        "deploy/a.yaml": configMap("a", { color: "blue" }),
      });
      expect((await t.sync()).ready).toMatchObject({ status: "True" });
      await t.remove();
      expect((await t.poll(t.ks)).run).toEqual({ outcome: "deleted" });
      expect((await t.poll(t.ks)).run).toEqual({ outcome: "gone" });
      if (deletes) expect(await t.live("a")).toBeUndefined();
      else expect((await t.live("a"))?.data).toEqual({ color: "blue" });
    },
  );

  it("with deletionPolicy WaitForTermination, stays until what it deleted is gone", async () => {
    const t = await setup({ deletionPolicy: "WaitForTermination", timeout: "4s" });
    // Made here, not by the Kustomization: this API server runs no namespace controller, so a
    // deleted Namespace would stay Terminating for ever.
    await t.core.createNamespace({ body: { metadata: { name: t.namespace } } });
    await t.repo.commit({
      // A finalizer nobody releases until the test does: the object lingers, Terminating.
      "deploy/a.yaml": configMap("a", { color: "blue" }).replace(
        "metadata:\n",
        "metadata:\n  finalizers: [example.com/hold]\n",
      ),
    });
    expect((await t.sync()).ready).toMatchObject({ status: "True" });
    await t.remove();
    const held = await t.poll(t.ks);
    expect(held.run).toMatchObject({ outcome: "reconciled", ready: false });
    expect(held.ready).toMatchObject({
      reason: "TerminationFailed",
      message: expect.stringContaining(`ConfigMap/${t.namespace}/a`),
    });
    expect((await t.live("a"))?.metadata?.deletionTimestamp).toBeDefined();

    await t.core.patchNamespacedConfigMap({
      name: "a",
      namespace: t.namespace,
      body: [{ op: "remove", path: "/metadata/finalizers" }],
    });
    expect((await t.poll(t.ks)).run).toEqual({ outcome: "deleted" });
    expect(await t.live("a")).toBeUndefined();
  });
});
