import { describe, expect, it } from "vitest";
import { inventoryOf, refFromInventory } from "../../../shared/apply/inventory.ts";

describe("inventory", () => {
  const objects = [
    { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "podinfo", namespace: "default" } },
    { apiVersion: "v1", kind: "Service", metadata: { name: "podinfo", namespace: "default" } },
    { apiVersion: "v1", kind: "Namespace", metadata: { name: "apps" } },
    { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name: "system:podinfo" } },
  ];

  it("writes Flux's entries, sorted by id", () => {
    expect(inventoryOf(objects)).toEqual([
      { id: "_apps__Namespace", v: "v1" },
      { id: "_system__podinfo_rbac.authorization.k8s.io_ClusterRole", v: "v1" },
      { id: "default_podinfo__Service", v: "v1" },
      { id: "default_podinfo_apps_Deployment", v: "v1" },
    ]);
  });

  it("reads every entry back to the object it names", () => {
    const refs = inventoryOf(objects).map(refFromInventory);
    expect(refs).toEqual([
      { apiVersion: "v1", kind: "Namespace", name: "apps" },
      { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", name: "system:podinfo" },
      { apiVersion: "v1", kind: "Service", namespace: "default", name: "podinfo" },
      { apiVersion: "apps/v1", kind: "Deployment", namespace: "default", name: "podinfo" },
    ]);
  });

  it("rejects an id that is not in Flux's format", () => {
    expect(() => refFromInventory({ id: "default_podinfo", v: "v1" })).toThrow(
      /not <namespace>_<name>_<group>_<kind>/,
    );
  });
});
