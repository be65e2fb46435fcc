import { describe, expect, it } from "vitest";
import { SpecError } from "../../../shared/api/errors.ts";
import { overlayFromSpec } from "../../../shared/render/overlay.ts";
import { normalizeSpecPath } from "../../../shared/render/render-kustomization.ts";

function fieldOf(spec: Record<string, unknown>): string | undefined {
  try {
    overlayFromSpec(spec);
  } catch (error) {
    if (error instanceof SpecError) return error.field;
    throw error;
  }
  return undefined;
}

describe("overlayFromSpec", () => {
  it("reads every overlay field of a Flux Kustomization", () => {
    const overlay = overlayFromSpec({
      interval: "5m",
      path: "./apps",
      targetNamespace: "apps",
      namePrefix: "pre-",
      nameSuffix: "-suf",
      patches: [
        {
          patch: "- op: add\n  path: /x\n  value: 1",
          target: { kind: "Deployment", labelSelector: "app=web" },
        },
        { patch: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n" },
      ],
      images: [{ name: "podinfo", newName: "ghcr.io/podinfo", newTag: "6.0.0", digest: "sha256:abc" }],
      commonMetadata: { labels: { team: "a" }, annotations: { owner: "b" } },
      components: ["../ingress"],
      ignoreMissingComponents: true,
    });
    expect(overlay).toEqual({
      targetNamespace: "apps",
      namePrefix: "pre-",
      nameSuffix: "-suf",
      patches: [
        {
          patch: "- op: add\n  path: /x\n  value: 1",
          target: { kind: "Deployment", labelSelector: "app=web" },
        },
        { patch: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n" },
      ],
      images: [{ name: "podinfo", newName: "ghcr.io/podinfo", newTag: "6.0.0", digest: "sha256:abc" }],
      commonMetadata: { labels: { team: "a" }, annotations: { owner: "b" } },
      components: ["../ingress"],
      ignoreMissingComponents: true,
    });
    expect(overlayFromSpec({ path: "./" })).toEqual({});
  });

  it("names the malformed field", () => {
    expect(fieldOf({ targetNamespace: 3 })).toBe("spec.targetNamespace");
    expect(fieldOf({ patches: [{ target: { kind: "X" } }] })).toBe("spec.patches[0].patch");
    expect(fieldOf({ patches: [{ patch: "x", target: { kind: 1 } }] })).toBe("spec.patches[0].target.kind");
    expect(fieldOf({ patches: ["x"] })).toBe("spec.patches[0]");
    expect(fieldOf({ images: [{ newTag: "1" }] })).toBe("spec.images[0].name");
    expect(fieldOf({ commonMetadata: { labels: { a: 1 } } })).toBe("spec.commonMetadata.labels.a");
    expect(fieldOf({ components: ["https://github.com/x/y"] })).toBe("spec.components[0]");
    expect(fieldOf({ components: ["/abs"] })).toBe("spec.components[0]");
  });
});

describe("normalizeSpecPath", () => {
  it("accepts Flux's spellings of a folder and refuses escapes", () => {
    expect(normalizeSpecPath("")).toBe("");
    expect(normalizeSpecPath("./")).toBe("");
    expect(normalizeSpecPath("./apps/prod/")).toBe("apps/prod");
    expect(normalizeSpecPath("/apps")).toBe("apps");
    expect(normalizeSpecPath("apps/../base")).toBe("base");
    expect(() => normalizeSpecPath("../../etc")).toThrow(SpecError);
    expect(() => normalizeSpecPath("apps/../../x")).toThrow(/must stay inside the source artifact/);
  });
});
