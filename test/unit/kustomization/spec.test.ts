import { describe, expect, it } from "vitest";
import { resolveTarget } from "../../../shared/kustomization/cluster-target.ts";
import { type KustomizationDeps, KustomizationReconciler } from "../../../shared/kustomization/reconciler.ts";
import { readKustomizationSpec } from "../../../shared/kustomization/spec.ts";
import type { StoredObject } from "../../../shared/ports/index.ts";
import { storedObject } from "../../helpers/stored-object.ts";

function kustomization(spec: Record<string, unknown>): StoredObject {
  return storedObject(
    { kind: "Kustomization", namespace: "flux-system", name: "apps" },
    "kustomize.toolkit.fluxcd.io/v1",
    {
      interval: "10m",
      sourceRef: { kind: "GitRepository", name: "fleet" },
      ...spec,
    },
  );
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
    [{ kubeConfig: {} }, /needs a secretRef or a configMapRef/],
  ])("stalls on %j", (spec, message) => {
    expect(() => readKustomizationSpec(kustomization(spec))).toThrow(message);
    expect(() => readKustomizationSpec(kustomization(spec))).toThrow(
      expect.objectContaining({ stalled: true }),
    );
  });
});

describe("Flux's workload-identity target (spec.kubeConfig.configMapRef)", () => {
  const target = () =>
    readKustomizationSpec(kustomization({ kubeConfig: { configMapRef: { name: "prod" } } })).target;
  const store = (data: Record<string, string> | undefined) => ({ get: async () => data });

  it("reaches the EKS cluster its ARN names, in the ARN's region", async () => {
    expect(target()).toEqual({ type: "configMap", ref: { namespace: "flux-system", name: "prod" } });
    const resolved = await resolveTarget(
      target(),
      store({ provider: "aws", cluster: "arn:aws:eks:eu-west-1:123456789012:cluster/prod-blue" }),
    );
    expect(resolved).toEqual({ type: "eks", region: "eu-west-1", clusterName: "prod-blue" });
  });

  it.each([
    [{ provider: "azure", cluster: "x" }, /provider 'azure' is not supported/],
    [{ provider: "aws", cluster: "prod-blue" }, /must be the EKS cluster's ARN/],
    [
      { provider: "aws", cluster: "arn:aws:eks:eu-west-1:123456789012:cluster/p", address: "https://x" },
      /address and ca.crt are not supported/,
    ],
  ])("stalls on %j with the reason", async (data, message) => {
    await expect(resolveTarget(target(), store(data))).rejects.toThrow(message);
    await expect(resolveTarget(target(), store(data))).rejects.toMatchObject({ stalled: true });
  });

  it("retries a map not there yet, naming it", async () => {
    await expect(resolveTarget(target(), store(undefined))).rejects.toMatchObject({
      reason: "KubeConfigNotFound",
      stalled: false,
      message: expect.stringContaining("flux-system/prod"),
    });
  });
});

describe("Kustomization run timeout", () => {
  const reconciler = new KustomizationReconciler({} as KustomizationDeps);
  it("defaults to the interval, as Flux's spec.timeout does", () => {
    expect(reconciler.defaultTimeoutMs(kustomization({ interval: "10m" }))).toBe(600_000);
    expect(reconciler.defaultTimeoutMs(kustomization({ interval: "10m", timeout: "2m" }))).toBe(120_000);
  });
});
