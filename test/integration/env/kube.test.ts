import {
  ApiextensionsV1Api,
  KubernetesObjectApi,
  PatchStrategy,
  type V1ConfigMap,
  VersionApi,
} from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { adminKubeConfig } from "../../env/context.ts";

const FIELD_MANAGER = "sluice-smoke";

describe("kube-apiserver + etcd", () => {
  const kc = adminKubeConfig();
  const objects = KubernetesObjectApi.makeApiClient(kc);

  it("reports the pinned Kubernetes minor, matching the tools layer's kubectl", async () => {
    const version = await kc.makeApiClient(VersionApi).getCode();
    expect(version.major).toBe("1");
    expect(version.minor).toBe("35");
    expect(version.gitVersion).toMatch(/^v1\.35\.\d+$/);
  });

  it("server-side applies a ConfigMap and records our field manager", async () => {
    const cm = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "smoke", namespace: "default" },
      data: { greeting: "hello" },
    };
    await objects.patch(cm, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
    const applied = await objects.patch(
      { ...cm, data: { greeting: "hello again" } },
      undefined,
      undefined,
      FIELD_MANAGER,
      true,
      PatchStrategy.ServerSideApply,
    );
    expect((applied as typeof cm).data.greeting).toBe("hello again");
    const managers = (applied as V1ConfigMap).metadata?.managedFields?.map((f) => f.manager);
    expect(managers).toContain(FIELD_MANAGER);
  });

  it("validates on a server-side dry-run without writing anything", async () => {
    const deployment = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "dry-run", namespace: "default" },
      spec: {
        selector: { matchLabels: { app: "dry-run" } },
        template: {
          metadata: { labels: { app: "dry-run" } },
          spec: { containers: [{ name: "app", image: "nginx" }] },
        },
      },
    };
    const dryRun = (object: object) =>
      objects.patch(object, undefined, "All", FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
    await expect(dryRun(deployment)).resolves.toMatchObject({ metadata: { name: "dry-run" } });
    const { selector: _dropped, ...withoutSelector } = deployment.spec;
    await expect(dryRun({ ...deployment, spec: withoutSelector })).rejects.toThrow(
      /spec\.selector: Required value/,
    );
    await expect(objects.read(deployment)).rejects.toMatchObject({ code: 404 });
  });

  it("establishes an applied CRD and serves its custom resources", async () => {
    const crd = {
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: "widgets.smoke.sluice.dev" },
      spec: {
        group: "smoke.sluice.dev",
        scope: "Namespaced",
        names: { plural: "widgets", singular: "widget", kind: "Widget" },
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
    await objects.patch(crd, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
    const extensions = kc.makeApiClient(ApiextensionsV1Api);
    await expect
      .poll(
        async () => {
          const live = await extensions.readCustomResourceDefinition({ name: crd.metadata.name });
          return live.status?.conditions?.find((c) => c.type === "Established")?.status;
        },
        { timeout: 30_000, interval: 200 },
      )
      .toBe("True");
    // Discovery can lag the Established condition by a moment.
    await expect
      .poll(
        async () => {
          try {
            const widget = {
              apiVersion: "smoke.sluice.dev/v1",
              kind: "Widget",
              metadata: { name: "w1", namespace: "default" },
              spec: { size: 3 },
            };
            const applied = await objects.patch(
              widget,
              undefined,
              undefined,
              FIELD_MANAGER,
              true,
              PatchStrategy.ServerSideApply,
            );
            return (applied as typeof widget).spec.size;
          } catch {
            return undefined;
          }
        },
        { timeout: 30_000, interval: 250 },
      )
      .toBe(3);
  });
});
