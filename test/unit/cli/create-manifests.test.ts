import { describe, expect, it } from "vitest";
import {
  alert,
  bucket,
  gitRepository,
  helmRepository,
  kustomization,
  ociRepository,
  receiver,
} from "../../../shared/cli/create-manifests.ts";
import { CliError } from "../../../shared/cli/errors.ts";

const common = { name: "podinfo", namespace: "flux-system" };

describe("create's manifests", () => {
  it("builds a GitRepository with Flux's defaults and the one ref given", () => {
    expect(gitRepository({ ...common, url: "https://github.com/stefanprodan/podinfo" })).toEqual({
      apiVersion: "source.toolkit.fluxcd.io/v1",
      kind: "GitRepository",
      metadata: { name: "podinfo", namespace: "flux-system" },
      spec: { interval: "1m", url: "https://github.com/stefanprodan/podinfo", ref: { branch: "master" } },
    });
    expect(
      gitRepository({
        ...common,
        url: "https://g.example/x.git",
        tagSemver: ">=6.0.0",
        interval: "5m",
        secretRef: "auth",
        ignorePaths: "docs/, *.md",
        labels: ["team=web"],
      }),
    ).toEqual({
      apiVersion: "source.toolkit.fluxcd.io/v1",
      kind: "GitRepository",
      metadata: { name: "podinfo", namespace: "flux-system", labels: { team: "web" } },
      spec: {
        interval: "5m",
        url: "https://g.example/x.git",
        ref: { semver: ">=6.0.0" },
        secretRef: { name: "auth" },
        ignore: "docs/\n*.md",
      },
    });
  });

  it("builds the other sources", () => {
    expect(bucket({ ...common, bucketName: "b", provider: "aws", region: "eu-west-1" }).spec).toEqual({
      interval: "1m",
      provider: "aws",
      bucketName: "b",
      region: "eu-west-1",
    });
    expect(ociRepository({ ...common, url: "oci://ghcr.io/a/b", digest: "sha256:0" }).spec).toEqual({
      interval: "1m",
      url: "oci://ghcr.io/a/b",
      ref: { digest: "sha256:0" },
    });
    expect(helmRepository({ ...common, url: "oci://ghcr.io/charts" }).spec).toEqual({
      interval: "1m",
      url: "oci://ghcr.io/charts",
      type: "oci",
    });
  });

  it("builds a Kustomization from --source, dependencies and health checks", () => {
    expect(
      kustomization({
        ...common,
        source: "OCIRepository/infra/manifests",
        path: "./deploy",
        prune: true,
        dependsOn: ["infra", "other/base"],
        healthCheck: ["Deployment/web.apps", "helmrelease/redis"],
        targetNamespace: "apps",
      }).spec,
    ).toEqual({
      interval: "1m",
      sourceRef: { kind: "OCIRepository", name: "manifests", namespace: "infra" },
      path: "./deploy",
      prune: true,
      targetNamespace: "apps",
      dependsOn: [{ name: "infra" }, { name: "base", namespace: "other" }],
      healthChecks: [
        { apiVersion: "apps/v1", kind: "Deployment", name: "web", namespace: "apps" },
        { apiVersion: "helm.toolkit.fluxcd.io/v2", kind: "HelmRelease", name: "redis" },
      ],
    });
    // A bare name is a GitRepository in the same namespace, as in Flux.
    expect(kustomization({ ...common, source: "fleet" }).spec.sourceRef).toEqual({
      kind: "GitRepository",
      name: "fleet",
    });
  });

  it("builds receivers and alerts with their resources", () => {
    expect(
      receiver({
        ...common,
        type: "github",
        event: ["push"],
        resource: ["GitRepository/podinfo"],
        secretRef: "hook",
      }).spec,
    ).toEqual({
      type: "github",
      events: ["push"],
      resources: [{ kind: "GitRepository", name: "podinfo" }],
      secretRef: { name: "hook" },
    });
    expect(alert({ ...common, providerRef: "slack", eventSource: ["Kustomization/*"] })).toMatchObject({
      apiVersion: "notification.toolkit.fluxcd.io/v1beta3",
      spec: {
        providerRef: { name: "slack" },
        eventSeverity: "info",
        eventSources: [{ kind: "Kustomization", name: "*" }],
      },
    });
  });

  it.each([
    ["no --url", () => gitRepository({ ...common }), "--url is required"],
    [
      "two refs",
      () => gitRepository({ ...common, url: "https://a/b", branch: "main", tag: "v1" }),
      "use only one of --branch, --tag",
    ],
    [
      "an SSH url",
      () => gitRepository({ ...common, url: "ssh://git@a/b" }),
      "--url must be a https or http URL",
    ],
    [
      "a bad interval",
      () => gitRepository({ ...common, url: "https://a/b", interval: "often" }),
      "--interval must be a duration",
    ],
    [
      "a bad label",
      () => gitRepository({ ...common, url: "https://a/b", labels: ["team"] }),
      "--label must be key=value",
    ],
    [
      "a bad name",
      () => gitRepository({ ...common, name: "Pod_Info", url: "https://a/b" }),
      "is not a valid name",
    ],
    ["a Kustomization without source", () => kustomization({ ...common }), "--source is required"],
    [
      "a Kustomization on a HelmRepository",
      () => kustomization({ ...common, source: "HelmRepository/x" }),
      "--source must name",
    ],
    [
      "an escaping path",
      () => kustomization({ ...common, source: "x", path: "../x" }),
      "--path must stay inside",
    ],
    [
      "an unknown health kind",
      () => kustomization({ ...common, source: "x", healthCheck: ["Widget/x"] }),
      "--health-check must be",
    ],
    [
      "an OCI source without ref",
      () => ociRepository({ ...common, url: "oci://a/b" }),
      "one of --tag, --tag-semver or --digest",
    ],
    [
      "a generic bucket without endpoint",
      () => bucket({ ...common, bucketName: "b" }),
      "--endpoint is required",
    ],
    [
      "an unknown receiver type",
      () => receiver({ ...common, type: "svn", resource: ["GitRepository/x"], secretRef: "s" }),
      "--type must be one of",
    ],
  ])("refuses %s as a usage error", (_, build, message) => {
    expect(build).toThrow(CliError);
    expect(build).toThrow(message);
    try {
      build();
    } catch (error) {
      expect((error as CliError).exitCode).toBe(2);
    }
  });
});
