import { describe, expect, it, onTestFinished } from "vitest";
import { localAdapters } from "../../../shared/adapters/local/runtime.ts";
import { checkDependencies } from "../../../shared/kustomization/depends-on.ts";
import type { ObjectKey } from "../../../shared/ports/index.ts";
import { tempDir } from "../../helpers/temp-dir.ts";

const ns = "flux-system";
const key = (name: string): ObjectKey => ({ kind: "Kustomization", namespace: ns, name });

async function setup() {
  const adapters = localAdapters({ dataDir: await tempDir() });
  onTestFinished(() => adapters.database.close());
  const { state } = adapters;
  const put = (name: string, dependsOn: string[] = []) =>
    state.putObject({
      key: key(name),
      apiVersion: "kustomize.toolkit.fluxcd.io/v1",
      metadata: {},
      spec: {
        sourceRef: { kind: "GitRepository", name: "fleet" },
        dependsOn: dependsOn.map((n) => ({ name: n })),
      },
    });
  const source = await state.putObject({
    key: { kind: "GitRepository", namespace: ns, name: "fleet" },
    apiVersion: "source.toolkit.fluxcd.io/v1",
    metadata: {},
    spec: {},
  });
  await state.writeStatus(source.key, { artifact: { revision: "main@sha1:2" } }, source.statusVersion);
  const ready = async (name: string, applied: string) => {
    const object = await state.getObject(key(name));
    if (!object) throw new Error("missing");
    const conditions = [
      { type: "Ready", status: "True", reason: "ok", message: "ok", lastTransitionTime: "" },
    ];
    await state.writeStatus(object.key, { conditions, lastAppliedRevision: applied }, object.statusVersion);
  };
  const check = async (name: string) => {
    const object = await state.getObject(key(name));
    if (!object) throw new Error("missing");
    const deps = (object.spec.dependsOn as { name: string }[]).map((d) => key(d.name));
    return checkDependencies(object, deps, state);
  };
  return { put, ready, check };
}

describe("checkDependencies", () => {
  it("waits until each dependency is Ready at its source's latest revision", async () => {
    const { put, ready, check } = await setup();
    await put("infra");
    await put("apps", ["infra"]);
    await expect(check("apps")).rejects.toMatchObject({
      reason: "DependencyNotReady",
      stalled: false,
      eventType: "Normal",
    });
    await ready("infra", "main@sha1:1");
    await expect(check("apps")).rejects.toThrow("has not applied revision 'main@sha1:2'");
    await ready("infra", "main@sha1:2");
    await expect(check("apps")).resolves.toBeUndefined();
  });

  it("names a missing dependency and stalls on a cycle with its path", async () => {
    const { put, check } = await setup();
    await put("lonely", ["ghost"]);
    await expect(check("lonely")).rejects.toThrow("dependency 'Kustomization/flux-system/ghost' not found");
    await put("a", ["b"]);
    await put("b", ["c"]);
    await put("c", ["a"]);
    await expect(check("a")).rejects.toMatchObject({
      reason: "DependencyCycle",
      stalled: true,
      message:
        "dependsOn forms a cycle: Kustomization/flux-system/a -> Kustomization/flux-system/b -> Kustomization/flux-system/c -> Kustomization/flux-system/a",
    });
  });
});
