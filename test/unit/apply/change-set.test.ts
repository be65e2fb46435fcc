import { describe, expect, it } from "vitest";
import { summarize } from "../../../shared/apply/change-set.ts";
import { compareForApply } from "../../../shared/apply/kind-order.ts";
import { mapLimit } from "../../../shared/apply/map-limit.ts";

describe("summarize", () => {
  it("lists changed objects as Flux's event does, leaving out unchanged and skipped ones", () => {
    expect(
      summarize([
        { subject: "Namespace/apps", action: "unchanged" },
        { subject: "Deployment/default/web", action: "configured" },
        { subject: "Service/default/web", action: "created" },
        { subject: "ConfigMap/default/old", action: "deleted" },
        { subject: "ConfigMap/default/kept", action: "skipped" },
      ]),
    ).toBe("Deployment/default/web configured\nService/default/web created\nConfigMap/default/old deleted");
  });

  it("is empty when nothing changed", () => {
    expect(summarize([{ subject: "Namespace/apps", action: "unchanged" }])).toBe("");
  });
});

describe("compareForApply", () => {
  it("puts definitions first, webhooks last, unknown kinds between, ties by namespace and name", () => {
    const refs = [
      { apiVersion: "admissionregistration.k8s.io/v1", kind: "ValidatingWebhookConfiguration", name: "v" },
      { apiVersion: "example.com/v1", kind: "Widget", namespace: "a", name: "w" },
      { apiVersion: "apps/v1", kind: "Deployment", namespace: "b", name: "web" },
      { apiVersion: "apps/v1", kind: "Deployment", namespace: "a", name: "web" },
      { apiVersion: "v1", kind: "Namespace", name: "a" },
      {
        apiVersion: "apiextensions.k8s.io/v1",
        kind: "CustomResourceDefinition",
        name: "widgets.example.com",
      },
    ];
    expect([...refs].sort(compareForApply).map((r) => `${r.kind}/${r.namespace ?? ""}`)).toEqual([
      "CustomResourceDefinition/",
      "Namespace/",
      "Deployment/a",
      "Deployment/b",
      "Widget/a",
      "ValidatingWebhookConfiguration/",
    ]);
  });
});

describe("mapLimit", () => {
  it("keeps input order, bounds concurrency and reports the earliest failure", async () => {
    let running = 0;
    let peak = 0;
    const work = async (n: number) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setImmediate(r));
      running--;
      if (n === 3 || n === 5) throw new Error(`failed ${n}`);
      return n * 2;
    };
    expect(await mapLimit([1, 2, 4], 2, work)).toEqual([2, 4, 8]);
    expect(peak).toBe(2);
    await expect(mapLimit([1, 2, 3, 4, 5, 6], 3, work)).rejects.toThrow("failed 3");
  });
});
