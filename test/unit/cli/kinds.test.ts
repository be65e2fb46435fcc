import { describe, expect, it } from "vitest";
import { CliError } from "../../../shared/cli/errors.ts";
import { findKind, parseObjectRef } from "../../../shared/cli/kinds.ts";

describe("kinds and object references", () => {
  it("knows Flux's names and short names", () => {
    expect(
      ["ks", "Kustomization", "kustomizations", "git", "GITREPOSITORY", "hr", "alert-provider"].map(
        (t) => findKind(t)?.kind,
      ),
    ).toEqual([
      "Kustomization",
      "Kustomization",
      "Kustomization",
      "GitRepository",
      "GitRepository",
      "HelmRelease",
      "Provider",
    ]);
    expect(findKind("deployment")).toBeUndefined();
  });

  it("reads Kind/name and Kind/namespace/name", () => {
    expect(parseObjectRef("Kustomization/apps", "flux-system")).toEqual({
      kind: "Kustomization",
      namespace: "flux-system",
      name: "apps",
    });
    expect(parseObjectRef("gitrepository/infra/podinfo", "flux-system")).toEqual({
      kind: "GitRepository",
      namespace: "infra",
      name: "podinfo",
    });
    expect(parseObjectRef("fleet", "team", "GitRepository")).toEqual({
      kind: "GitRepository",
      namespace: "team",
      name: "fleet",
    });
  });

  it.each(["apps", "Kustomization/", "a/b/c/d", "Widget/x"])("refuses %s as a usage error", (text) => {
    expect(() => parseObjectRef(text, "flux-system")).toThrow(CliError);
  });
});
