import { describe, expect, it } from "vitest";
import { readKustomizationSpec } from "../../../shared/kustomization/spec.ts";
import type { StoredObject } from "../../../shared/ports/index.ts";

function kustomization(spec: Record<string, unknown>): StoredObject {
  return {
    key: { kind: "Kustomization", namespace: "flux-system", name: "apps" },
    apiVersion: "kustomize.toolkit.fluxcd.io/v1",
    metadata: {},
    spec: { interval: "10m", sourceRef: { kind: "GitRepository", name: "fleet" }, ...spec },
    generation: 1,
    status: undefined,
    statusVersion: 0,
    dueAt: undefined,
  };
}

describe("readKustomizationSpec", () => {
  it("reads Flux's fields with Flux's defaults", () => {
    expect(readKustomizationSpec(kustomization({}))).toEqual({
      source: { kind: "GitRepository", namespace: "flux-system", name: "fleet" },
      path: "./",
      prune: false,
      wait: false,
      force: false,
      healthChecks: [],
      dependsOn: [],
      target: { type: "default" },
      impersonate: undefined,
      deletionPolicy: "MirrorPrune",
    });
  });

  it("reads dependencies, health checks, a kubeconfig target and the service account to impersonate", () => {
    const spec = readKustomizationSpec(
      kustomization({
        path: "./apps/prod",
        prune: true,
        dependsOn: [{ name: "infra" }, { name: "crds", namespace: "platform" }],
        healthChecks: [{ apiVersion: "apps/v1", kind: "Deployment", name: "web", namespace: "apps" }],
        kubeConfig: { secretRef: { name: "prod-kubeconfig" } },
        serviceAccountName: "deployer",
        targetNamespace: "apps",
      }),
    );
    expect(spec.dependsOn).toEqual([
      { kind: "Kustomization", namespace: "flux-system", name: "infra" },
      { kind: "Kustomization", namespace: "platform", name: "crds" },
    ]);
    expect(spec.healthChecks).toEqual([
      { apiVersion: "apps/v1", kind: "Deployment", name: "web", namespace: "apps" },
    ]);
    expect(spec.target).toEqual({
      type: "kubeconfig",
      secretRef: { namespace: "flux-system", name: "prod-kubeconfig" },
      key: "value",
    });
    expect(spec.impersonate).toBe("system:serviceaccount:apps:deployer");
  });

  it.each([
    [{ decryption: { provider: "sops" } }, /spec.decryption is not supported yet/],
    [{ sourceRef: { kind: "HelmRepository", name: "x" } }, /spec.sourceRef.kind must be one of/],
    [{ sourceRef: undefined }, /spec.sourceRef is required/],
    [{ kubeConfig: { configMapRef: { name: "eks" } } }, /configMapRef is not supported yet/],
  ])("stalls on %j", (spec, message) => {
    expect(() => readKustomizationSpec(kustomization(spec))).toThrow(message);
    expect(() => readKustomizationSpec(kustomization(spec))).toThrow(
      expect.objectContaining({ stalled: true }),
    );
  });
});
