import { describe, expect, it, onTestFinished } from "vitest";
import { applyObjects } from "../../../shared/apply/apply-objects.ts";
import { summarize } from "../../../shared/apply/change-set.ts";
import { ClusterClient } from "../../../shared/apply/cluster-client.ts";
import type { KubeObject } from "../../../shared/render/kube-object.ts";
import { adminKubeConfig } from "../../env/context.ts";
import {
  client,
  configMap,
  createNamespace,
  deployment,
  handEdit,
  live,
  namespace,
  namespaceName,
  secret,
  service,
  signal,
} from "./apply-harness.ts";

const opts = { force: false, signal };
const actions = (entries: { subject: string; action: string }[]) =>
  Object.fromEntries(entries.map((e) => [e.subject, e.action]));

describe("applyObjects", () => {
  it("creates a set with its namespace, then finds it all unchanged without writing", async () => {
    const ns = namespaceName();
    const set = [
      deployment(ns, "web"),
      service(ns, "web"),
      secret(ns, "creds", { password: "hunter2-very-secret" }),
      configMap(ns, "settings", { mode: "fast" }),
      namespace(ns),
    ];
    const first = await applyObjects(client(), set, opts);
    expect(first.map((e) => `${e.subject} ${e.action}`)).toEqual([
      `Namespace/${ns} created`,
      `ConfigMap/${ns}/settings created`,
      `Secret/${ns}/creds created`,
      `Service/${ns}/web created`,
      `Deployment/${ns}/web created`,
    ]);
    expect(summarize(first)).not.toContain("hunter2");

    const again = client();
    const second = await applyObjects(again, set, opts);
    expect(second.every((e) => e.action === "unchanged")).toBe(true);
    expect(second).toHaveLength(5);
    expect(again.counts.writes).toBe(0);
    expect(again.counts.dryRuns).toBe(5);
    expect(summarize(second)).toBe("");
  });

  it("writes only the object whose field changed", async () => {
    const ns = await createNamespace();
    await applyObjects(client(), [configMap(ns, "a", { k: "1" }), deployment(ns, "web")], opts);
    const c = client();
    const entries = await applyObjects(
      c,
      [configMap(ns, "a", { k: "1" }), deployment(ns, "web", "nginx:1.28")],
      opts,
    );
    expect(actions(entries)).toEqual({
      [`ConfigMap/${ns}/a`]: "unchanged",
      [`Deployment/${ns}/web`]: "configured",
    });
    expect(c.counts.writes).toBe(1);
    expect(summarize(entries)).toBe(`Deployment/${ns}/web configured`);
  });

  it("applies a custom resource after its CRD in the same set is established", async () => {
    const ns = await createNamespace();
    const group = `${ns}.sluice.test`;
    const crd: KubeObject = {
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: `widgets.${group}` },
      spec: {
        group,
        scope: "Namespaced",
        names: { plural: "widgets", singular: "widget", kind: "Widget", listKind: "WidgetList" },
        versions: [
          {
            name: "v1",
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: {
                type: "object",
                properties: { spec: { type: "object", properties: { size: { type: "integer" } } } },
              },
            },
          },
        ],
      },
    };
    const widget: KubeObject = {
      apiVersion: `${group}/v1`,
      kind: "Widget",
      metadata: { name: "w", namespace: ns },
      spec: { size: 3 },
    };
    const c = client();
    const entries = await applyObjects(c, [widget, crd], opts);
    expect(actions(entries)).toEqual({
      [`CustomResourceDefinition/widgets.${group}`]: "created",
      [`Widget/${ns}/w`]: "created",
    });
    expect((await live(widget))?.spec).toEqual({ size: 3 });
    const again = client();
    await applyObjects(again, [widget, crd], opts);
    expect(again.counts.writes).toBe(0);
  });

  it("applies nothing when one object is invalid, and names it", async () => {
    const ns = await createNamespace();
    const bad = deployment(ns, "web", "nginx", "three");
    await expect(applyObjects(client(), [configMap(ns, "a", { k: "1" }), bad], opts)).rejects.toMatchObject({
      reason: "ReconciliationFailed",
      message: expect.stringMatching(
        new RegExp(`^Deployment/${ns}/web dry-run failed: .*spec.replicas: expected numeric`),
      ),
    });
    expect(await live(configMap(ns, "a", {}))).toBeUndefined();

    const unknown = {
      apiVersion: "nowhere.sluice.test/v1",
      kind: "Gadget",
      metadata: { name: "g", namespace: ns },
    };
    await expect(applyObjects(client(), [configMap(ns, "a", { k: "1" }), unknown], opts)).rejects.toThrow(
      `Gadget/${ns}/g dry-run failed: no CRD installed for kind 'Gadget' in apiVersion 'nowhere.sluice.test/v1'`,
    );
    expect(await live(configMap(ns, "a", {}))).toBeUndefined();

    const leaky = { ...secret(ns, "s", {}), stringData: undefined, data: { token: "c2VjcmV0LXRva2Vu!!" } };
    const error = await applyObjects(client(), [leaky], opts).catch((e: Error) => e);
    expect((error as Error).message).toMatch(new RegExp(`^Secret/${ns}/s dry-run failed`));
    expect((error as Error).message).not.toContain("c2VjcmV0LXRva2Vu");
  });

  it("refuses an object over the API server's request limit before any call", async () => {
    const ns = namespaceName();
    const c = client();
    const huge = configMap(ns, "huge", { blob: "x".repeat(3 * 1024 * 1024) });
    await expect(applyObjects(c, [namespace(ns), huge], opts)).rejects.toThrow(
      `ConfigMap/${ns}/huge is 3 MiB, over the API server's 3 MiB request limit`,
    );
    expect(c.counts).toEqual({ dryRuns: 0, writes: 0, deletes: 0, reads: 0 });
  });

  it("honours the ssa and reconcile annotations", async () => {
    const ns = await createNamespace();
    const ifNotPresent = { "kustomize.toolkit.fluxcd.io/ssa": "IfNotPresent" };
    await applyObjects(client(), [configMap(ns, "once", { k: "1" }, ifNotPresent)], opts);
    await applyObjects(client(), [configMap(ns, "disabled", { k: "1" })], opts);
    await handEdit(`/api/v1/namespaces/${ns}/configmaps/disabled`, {
      metadata: { annotations: { "kustomize.toolkit.fluxcd.io/reconcile": "disabled" } },
    });

    const c = client();
    const entries = await applyObjects(
      c,
      [
        configMap(ns, "once", { k: "2" }, ifNotPresent),
        configMap(ns, "ignored", { k: "1" }, { "kustomize.toolkit.fluxcd.io/ssa": "Ignore" }),
        configMap(ns, "disabled", { k: "2" }),
      ],
      opts,
    );
    expect(actions(entries)).toEqual({
      [`ConfigMap/${ns}/disabled`]: "skipped",
      [`ConfigMap/${ns}/ignored`]: "skipped",
      [`ConfigMap/${ns}/once`]: "skipped",
    });
    expect(c.counts.writes + c.counts.dryRuns).toBe(0);
    expect((await live(configMap(ns, "once", {})))?.data).toEqual({ k: "1" });
    expect((await live(configMap(ns, "disabled", {})))?.data).toEqual({ k: "1" });
    expect(await live(configMap(ns, "ignored", {}))).toBeUndefined();
  });

  it("takes back a hand edit, and keeps fields others added only under ssa: Merge", async () => {
    const ns = await createNamespace();
    const merge = { "kustomize.toolkit.fluxcd.io/ssa": "Merge" };
    const set = [configMap(ns, "override", { k: "1" }), configMap(ns, "merge", { k: "1" }, merge)];
    await applyObjects(client(), set, opts);
    for (const name of ["override", "merge"]) {
      await handEdit(`/api/v1/namespaces/${ns}/configmaps/${name}`, {
        data: { k: "edited", added: "by hand" },
      });
    }
    const entries = await applyObjects(client(), set, opts);
    expect(actions(entries)).toEqual({
      [`ConfigMap/${ns}/merge`]: "configured",
      [`ConfigMap/${ns}/override`]: "configured",
    });
    expect((await live(set[0] as KubeObject))?.data).toEqual({ k: "1" });
    expect((await live(set[1] as KubeObject))?.data).toEqual({ k: "1", added: "by hand" });

    const again = client();
    await applyObjects(again, set, opts);
    expect(again.counts.writes).toBe(0);
  });

  it("recreates an object whose immutable field changed only with force", async () => {
    const ns = await createNamespace();
    const job = (image: string): KubeObject => ({
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: { name: "migrate", namespace: ns },
      spec: {
        template: { spec: { restartPolicy: "Never", containers: [{ name: "main", image }] } },
      },
    });
    await applyObjects(client(), [job("busybox:1")], opts);
    const before = await live(job("busybox:1"));

    await expect(applyObjects(client(), [job("busybox:2")], opts)).rejects.toThrow(
      /^Job\/.+\/migrate dry-run failed \(Invalid\): .*immutable.*; an immutable field changed: set spec.force to true/,
    );
    const c = client();
    const entries = await applyObjects(c, [job("busybox:2")], { ...opts, force: true });
    expect(actions(entries)).toEqual({ [`Job/${ns}/migrate`]: "created" });
    expect(c.counts.deletes).toBe(1);
    const after = await live(job("busybox:2"));
    expect(after?.metadata.uid).not.toBe(before?.metadata.uid);
  });

  it("acts as the impersonated service account, within its RBAC permissions", async () => {
    const ns = await createNamespace();
    const sa = new ClusterClient(adminKubeConfig(), { impersonate: `system:serviceaccount:${ns}:deployer` });
    onTestFinished(() => sa.close());
    const set = [configMap(ns, "a", { k: "1" })];
    await expect(applyObjects(sa, set, opts)).rejects.toThrow(
      `ConfigMap/${ns}/a dry-run failed (Forbidden): configmaps "a" is forbidden: User "system:serviceaccount:${ns}:deployer"`,
    );
    const rbac: KubeObject[] = [
      {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "Role",
        metadata: { name: "deployer", namespace: ns },
        rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get", "create", "patch"] }],
      },
      {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "RoleBinding",
        metadata: { name: "deployer", namespace: ns },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "deployer" },
        subjects: [{ kind: "ServiceAccount", name: "deployer", namespace: ns }],
      },
    ];
    await applyObjects(client(), rbac, opts);
    expect(actions(await applyObjects(sa, set, opts))).toEqual({ [`ConfigMap/${ns}/a`]: "created" });
    expect((await live(set[0] as KubeObject))?.metadata.managedFields).toEqual([
      expect.objectContaining({ manager: "sluice", operation: "Apply" }),
    ]);
  });
});
