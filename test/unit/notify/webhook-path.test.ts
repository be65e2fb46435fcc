import { describe, expect, it } from "vitest";
import { isWebhookPath, sameWebhookPath, webhookPath } from "../../../shared/notify/webhook-path.ts";

describe("webhookPath", () => {
  it("is /hook/ and the hex sha256 of token, name and namespace, as Flux derives it", () => {
    // printf '%s' "s3cr3tgithub-receiverflux-system" | sha256sum
    expect(webhookPath({ token: "s3cr3t", name: "github-receiver", namespace: "flux-system" })).toBe(
      "/hook/605dbd4976c3504a20afec155a68122702621389b3b29f71feb118008a1696a1",
    );
  });

  it("moves when the token, the name or the namespace changes", () => {
    const base = { token: "t", name: "r", namespace: "ns" };
    const paths = new Set([
      webhookPath(base),
      webhookPath({ ...base, token: "u" }),
      webhookPath({ ...base, name: "s" }),
      webhookPath({ ...base, namespace: "nt" }),
    ]);
    expect(paths.size).toBe(4);
  });

  it("recognises only the shape of a webhook path", () => {
    expect(isWebhookPath(webhookPath({ token: "t", name: "r", namespace: "ns" }))).toBe(true);
    expect(isWebhookPath("/hook/abc")).toBe(false);
    expect(isWebhookPath(`/hook/${"A".repeat(64)}`)).toBe(false);
    expect(isWebhookPath(`/hook/${"a".repeat(64)}/x`)).toBe(false);
    expect(isWebhookPath("/v1/objects")).toBe(false);
  });

  it("compares paths of any length", () => {
    const path = webhookPath({ token: "t", name: "r", namespace: "ns" });
    expect(sameWebhookPath(path, path)).toBe(true);
    expect(sameWebhookPath(path, `${path}0`)).toBe(false);
    expect(sameWebhookPath(path, path.replace(/.$/, "x"))).toBe(false);
  });
});
