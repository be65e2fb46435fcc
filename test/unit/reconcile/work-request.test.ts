import { describe, expect, it } from "vitest";
import {
  decodeWorkRequest,
  encodeWorkRequest,
  InvalidWorkRequest,
} from "../../../shared/reconcile/work-request.ts";

describe("work requests", () => {
  it("round-trips through a queue message body", () => {
    const request = {
      key: { kind: "Kustomization", namespace: "flux-system", name: "apps" },
      reason: "manual" as const,
      requestedAt: "2026-01-01T00:00:00Z",
    };
    expect(decodeWorkRequest(encodeWorkRequest(request))).toEqual(request);
  });

  it.each([
    ["not json", "{"],
    ["wrong version", JSON.stringify({ v: 2, key: "A/b/c", reason: "due" })],
    ["bad key", JSON.stringify({ v: 1, key: "A/b", reason: "due" })],
    ["bad reason", JSON.stringify({ v: 1, key: "A/b/c", reason: "because" })],
  ])("rejects a corrupt body (%s) with a typed error", (_case, body) => {
    expect(() => decodeWorkRequest(body)).toThrow(InvalidWorkRequest);
  });
});
