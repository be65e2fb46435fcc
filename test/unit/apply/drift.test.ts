import { describe, expect, it } from "vitest";
import { hasDrifted } from "../../../shared/apply/drift.ts";
import { mergeFieldSets, takeoverPatch } from "../../../shared/apply/takeover.ts";
import type { KubeObject } from "../../../shared/render/kube-object.ts";

const live: KubeObject = {
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: {
    name: "a",
    namespace: "default",
    uid: "u1",
    resourceVersion: "10",
    creationTimestamp: "2024-01-01T00:00:00Z",
    managedFields: [
      {
        manager: "sluice",
        operation: "Apply",
        apiVersion: "v1",
        fieldsType: "FieldsV1",
        fieldsV1: { "f:data": { "f:k": {} } },
      },
      {
        manager: "kubectl-edit",
        operation: "Update",
        apiVersion: "v1",
        fieldsType: "FieldsV1",
        fieldsV1: { "f:data": { "f:extra": {} } },
      },
      {
        manager: "kube-controller-manager",
        operation: "Update",
        apiVersion: "v1",
        fieldsV1: { "f:status": {} },
        subresource: "status",
      },
    ],
  },
  data: { k: "1", extra: "x" },
};

describe("hasDrifted", () => {
  it("ignores server-set metadata and status", () => {
    const dryRun = {
      ...live,
      metadata: { ...live.metadata, resourceVersion: "11", managedFields: [], generation: 2 },
      status: { phase: "x" },
    };
    expect(hasDrifted(live, dryRun)).toBe(false);
  });

  it("sees a changed value, and a missing live object", () => {
    expect(hasDrifted(live, { ...live, data: { k: "2", extra: "x" } })).toBe(true);
    expect(hasDrifted(undefined, live)).toBe(true);
  });
});

describe("takeoverPatch", () => {
  it("hands kubectl's fields to our manager and keeps other managers", () => {
    const ops = takeoverPatch(live, "sluice", new Date("2025-02-03T04:05:06.789Z"));
    expect(ops).toEqual([
      {
        op: "replace",
        path: "/metadata/managedFields",
        value: [
          live.metadata.managedFields && (live.metadata.managedFields as unknown[])[2],
          {
            manager: "sluice",
            operation: "Apply",
            apiVersion: "v1",
            time: "2025-02-03T04:05:06Z",
            fieldsType: "FieldsV1",
            fieldsV1: { "f:data": { "f:k": {}, "f:extra": {} } },
          },
        ],
      },
    ]);
  });

  it("drops kubectl's last-applied annotation and has nothing to do otherwise", () => {
    const annotated = {
      ...live,
      metadata: { name: "a", annotations: { "kubectl.kubernetes.io/last-applied-configuration": "{}" } },
    };
    expect(takeoverPatch(annotated, "sluice")).toEqual([
      { op: "remove", path: "/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration" },
    ]);
    expect(takeoverPatch({ ...live, metadata: { name: "a" } }, "sluice")).toBeUndefined();
  });

  it("merges nested field sets", () => {
    expect(mergeFieldSets({ "f:a": { "f:b": {} } }, { "f:a": { "f:c": {} }, "f:d": {} })).toEqual({
      "f:a": { "f:b": {}, "f:c": {} },
      "f:d": {},
    });
  });
});
