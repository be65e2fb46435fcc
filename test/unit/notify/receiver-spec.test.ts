import { describe, expect, it } from "vitest";
import { readReceiverSpec } from "../../../shared/notify/receiver-spec.ts";
import type { StoredObject } from "../../../shared/ports/index.ts";
import { ReconcileError } from "../../../shared/reconcile/reconciler.ts";
import { storedObject } from "../../helpers/stored-object.ts";

function receiver(spec: Record<string, unknown>): StoredObject {
  return storedObject(
    { kind: "Receiver", namespace: "flux-system", name: "github" },
    "notification.toolkit.fluxcd.io/v1",
    {
      type: "github",
      secretRef: { name: "webhook-token" },
      resources: [{ kind: "GitRepository", name: "fleet" }],
      ...spec,
    },
  );
}

function failure(spec: Record<string, unknown>): ReconcileError {
  try {
    readReceiverSpec(receiver(spec));
  } catch (error) {
    if (error instanceof ReconcileError) return error;
    throw error;
  }
  throw new Error("the spec was accepted");
}

describe("readReceiverSpec", () => {
  it("reads Flux's fields with Flux's defaults", () => {
    expect(readReceiverSpec(receiver({}))).toEqual({
      type: "github",
      events: [],
      resources: [{ kind: "GitRepository", name: "fleet", namespace: "flux-system" }],
      secretRef: { namespace: "flux-system", name: "webhook-token" },
      intervalMs: 600_000,
      suspend: false,
    });
  });

  it("reads events, interval, suspension, other namespaces and label selectors", () => {
    const spec = readReceiverSpec(
      receiver({
        type: "gitlab",
        events: ["Push Hook", "Tag Push Hook"],
        interval: "1h",
        suspend: true,
        resources: [
          {
            apiVersion: "source.toolkit.fluxcd.io/v1",
            kind: "GitRepository",
            name: "app",
            namespace: "apps",
          },
          { kind: "Kustomization", name: "*", matchLabels: { team: "web" } },
        ],
      }),
    );
    expect(spec).toMatchObject({
      type: "gitlab",
      events: ["Push Hook", "Tag Push Hook"],
      intervalMs: 3_600_000,
      suspend: true,
      resources: [
        { apiVersion: "source.toolkit.fluxcd.io/v1", kind: "GitRepository", name: "app", namespace: "apps" },
        { kind: "Kustomization", name: "*", namespace: "flux-system", matchLabels: { team: "web" } },
      ],
    });
  });

  it.each([
    [{ type: "jenkins" }, "InvalidSpec", "spec.type must be one of"],
    [{ type: undefined }, "InvalidSpec", "spec.type"],
    [{ secretRef: undefined }, "InvalidSpec", "spec.secretRef is required"],
    [{ secretRef: {} }, "InvalidSpec", "spec.secretRef.name"],
    [{ resources: undefined }, "InvalidSpec", "spec.resources is required"],
    [{ resources: ["fleet"] }, "InvalidSpec", "spec.resources[0] must be an object"],
    [{ resources: [{ kind: "Deployment", name: "web" }] }, "InvalidSpec", "spec.resources[0].kind"],
    [{ resources: [{ kind: "GitRepository" }] }, "InvalidSpec", "spec.resources[0].name"],
    [{ resources: [{ kind: "GitRepository", name: "*" }] }, "InvalidSpec", "matchLabels is required"],
    [
      { resources: [{ kind: "GitRepository", name: "*", matchLabels: { a: 1 } }] },
      "InvalidSpec",
      "spec.resources[0].matchLabels.a",
    ],
    [{ events: "push" }, "InvalidSpec", "spec.events"],
    [{ interval: "1d" }, "InvalidDuration", "spec.interval"],
    [{ suspend: "yes" }, "InvalidSpec", "spec.suspend"],
    [{ type: "gcr" }, "UnsupportedField", 'spec.type "gcr" is not supported yet'],
    [{ resourceFilter: "true" }, "UnsupportedField", "spec.resourceFilter"],
    [
      { resources: [{ kind: "GitRepository", name: "a", filter: "true" }] },
      "UnsupportedField",
      "spec.resources[0].filter",
    ],
  ])("stalls on %j", (spec, reason, message) => {
    const error = failure(spec);
    expect(error.stalled).toBe(true);
    expect(error.reason).toBe(reason);
    expect(error.message).toContain(message);
  });
});
