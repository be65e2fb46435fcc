import { describe, expect, it } from "vitest";
import type { ObjectView } from "../../../shared/cli/api-client.ts";
import { buildTree, renderTree } from "../../../shared/cli/commands/tree.ts";
import type { ObjectKey } from "../../../shared/ports/object-key.ts";

function ks(name: string, ids: string[]): ObjectView {
  return {
    kind: "Kustomization",
    namespace: "flux-system",
    name,
    apiVersion: "kustomize.toolkit.fluxcd.io/v1",
    generation: 1,
    suspended: false,
    nextRunAt: null,
    status: { inventory: { entries: ids.map((id) => ({ id, v: "v1" })) } },
  };
}

const objects = new Map<string, ObjectView>([
  [
    "flux-system",
    ks("flux-system", [
      "flux-system_apps_kustomize.toolkit.fluxcd.io_Kustomization",
      "flux-system_flux-system_source.toolkit.fluxcd.io_GitRepository",
      "flux-system_gone_kustomize.toolkit.fluxcd.io_Kustomization",
    ]),
  ],
  [
    "apps",
    ks("apps", [
      "_apps__Namespace",
      "apps_system__admin_rbac.authorization.k8s.io_RoleBinding",
      "apps_web_apps_Deployment",
      "flux-system_flux-system_kustomize.toolkit.fluxcd.io_Kustomization",
    ]),
  ],
]);

const load = async (key: ObjectKey) => objects.get(key.name);

describe("tree", () => {
  it("draws a Kustomization's inventory, expanding the Kustomizations it registered", async () => {
    const tree = await buildTree(load, {
      kind: "Kustomization",
      namespace: "flux-system",
      name: "flux-system",
    });
    expect(renderTree(tree)).toBe(
      [
        "Kustomization/flux-system/flux-system",
        "├── Kustomization/flux-system/apps",
        "│   ├── Namespace/apps",
        "│   ├── RoleBinding/apps/system:admin",
        "│   ├── Deployment/apps/web",
        "│   └── Kustomization/flux-system/flux-system (already shown above)",
        "├── GitRepository/flux-system/flux-system",
        "└── Kustomization/flux-system/gone (not registered)",
        "",
      ].join("\n"),
    );
  });
});
