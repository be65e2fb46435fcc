import { KubeConfig } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { applyObjects } from "../../../shared/apply/apply-objects.ts";
import { ClusterClient } from "../../../shared/apply/cluster-client.ts";
import { pruneObjects } from "../../../shared/apply/prune.ts";
import { ReconcileError } from "../../../shared/reconcile/reconciler.ts";

/** A client for a server nothing listens on: every call fails before reaching a cluster. */
function unreachable(): ClusterClient {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: "c", server: "https://127.0.0.1:1", skipTLSVerify: false }],
    users: [{ name: "u", token: "secret-token-value" }],
    contexts: [{ name: "x", cluster: "c", user: "u" }],
    currentContext: "x",
  });
  return new ClusterClient(kc);
}

const configMap = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a", namespace: "default" } };

describe("apply failures", () => {
  it("says which object it was validating when the server cannot be reached, without credentials", async () => {
    const error = await applyObjects(unreachable(), [configMap], {
      force: false,
      signal: new AbortController().signal,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReconcileError);
    expect((error as Error).message).toMatch(
      /^ConfigMap\/default\/a dry-run failed: cannot reach the API server https:\/\/127\.0\.0\.1:1: /,
    );
    expect((error as Error).message).not.toContain("secret-token-value");
  });

  it("reports the run's timeout with the step it interrupted", async () => {
    const controller = new AbortController();
    controller.abort(new ReconcileError("ReconciliationFailed", "reconciliation timed out after 5s"));
    const options = { force: false, signal: controller.signal };
    await expect(applyObjects(unreachable(), [configMap], options)).rejects.toThrow(
      "reconciliation timed out after 5s while validating objects",
    );
    const stale = [{ id: "default_a__ConfigMap", v: "v1" }];
    await expect(pruneObjects(unreachable(), stale, [], { signal: controller.signal })).rejects.toMatchObject(
      {
        reason: "PruneFailed",
        message: "reconciliation timed out after 5s while pruning objects",
      },
    );
  });
});
