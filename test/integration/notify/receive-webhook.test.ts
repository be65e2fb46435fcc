import { createHmac, randomUUID } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createWebhookHandler } from "../../../shared/notify/receive-webhook.ts";
import type { ObjectKey } from "../../../shared/ports/index.ts";
import { reconcileObject } from "../../../shared/reconcile/reconcile-object.ts";
import { decodeWorkRequest } from "../../../shared/reconcile/work-request.ts";
import { GitFixture } from "../../helpers/git-fixture.ts";
import { localEngine } from "../../helpers/local-engine.ts";

const NAMESPACE = "flux-system";
const TOKEN = `token-${randomUUID()}`;

describe("a GitHub push through a Receiver", () => {
  it("verifies the signature, queues the named and the labelled GitRepository once, and they fetch the push", async () => {
    const { env, dataDir, adapters, loop } = await localEngine({ prefix: "sluice-receiver-" });

    // The secret as an operator writes it next to the installation: a Kubernetes Secret manifest.
    const secretName = `webhook-${randomUUID().slice(0, 8)}`;
    await mkdir(join(dataDir, "secrets", NAMESPACE), { recursive: true });
    await writeFile(
      join(dataDir, "secrets", NAMESPACE, `${secretName}.yaml`),
      `apiVersion: v1\nkind: Secret\nmetadata:\n  name: ${secretName}\n  namespace: ${NAMESPACE}\n` +
        `data:\n  token: ${Buffer.from(TOKEN).toString("base64")}\n`,
    );

    const repo = await GitFixture.create(env.git, `receiver/${randomUUID().slice(0, 8)}`);
    const commit = await repo.commit({ "deploy/app.yaml": "kind: ConfigMap\n" });
    const git = (name: string): ObjectKey => ({ kind: "GitRepository", namespace: NAMESPACE, name });
    const gitSpec = { interval: "1h", url: repo.url, ref: { branch: "main" } };
    await adapters.state.putObject({
      key: git("fleet"),
      apiVersion: "source.toolkit.fluxcd.io/v1",
      metadata: {},
      spec: gitSpec,
    });
    await adapters.state.putObject({
      key: git("web"),
      apiVersion: "source.toolkit.fluxcd.io/v1",
      metadata: { labels: { team: "web" } },
      spec: gitSpec,
    });
    await adapters.state.putObject({
      key: git("unlabelled"),
      apiVersion: "source.toolkit.fluxcd.io/v1",
      metadata: { labels: { team: "api" } },
      spec: gitSpec,
    });
    const receiver: ObjectKey = { kind: "Receiver", namespace: NAMESPACE, name: "github" };
    await adapters.state.putObject({
      key: receiver,
      apiVersion: "notification.toolkit.fluxcd.io/v1",
      metadata: {},
      spec: {
        type: "github",
        events: ["ping", "push"],
        secretRef: { name: secretName },
        resources: [
          { apiVersion: "source.toolkit.fluxcd.io/v1", kind: "GitRepository", name: "fleet" },
          { kind: "GitRepository", name: "*", matchLabels: { team: "web" } },
        ],
      },
    });

    expect(await reconcileObject({ key: receiver, reason: "manual" }, "test", loop)).toMatchObject({
      outcome: "reconciled",
      ready: true,
    });
    const path = (await adapters.state.getObject(receiver))?.status?.webhookPath;
    expect(path).toMatch(/^\/hook\/[0-9a-f]{64}$/);

    const handler = createWebhookHandler({ ...adapters });
    const body = Buffer.from(JSON.stringify({ ref: "refs/heads/main", after: commit }));
    const push = (signature: string, delivery: string) =>
      handler({
        method: "POST",
        path: String(path),
        headers: {
          "content-type": "application/json",
          "x-github-event": "push",
          "x-github-delivery": delivery,
          "x-hub-signature-256": signature,
        },
        body,
      });
    const signature = `sha256=${createHmac("sha256", TOKEN).update(body).digest("hex")}`;
    const receive = () => adapters.queue.receive({ max: 10, visibilityMs: 60_000 });

    const forged = `sha256=${createHmac("sha256", "not-the-token").update(body).digest("hex")}`;
    expect((await push(forged, "delivery-0")).status).toBe(401);
    expect(await receive()).toEqual([]);

    const accepted = await push(signature, "delivery-1");
    expect(accepted).toEqual({
      status: 202,
      body: {
        accepted: ["GitRepository/flux-system/fleet", "GitRepository/flux-system/web"],
        requestedAt: expect.any(String),
      },
    });
    const messages = await receive();
    const requests = messages.map((m) => decodeWorkRequest(m.body));
    expect(requests.map((r) => r.key.name).sort()).toEqual(["fleet", "web"]);
    expect(requests.every((r) => r.reason === "webhook" && typeof r.requestedAt === "string")).toBe(true);

    // The worker's part: each request runs its object, which shows it handled this very request.
    for (const [i, request] of requests.entries()) {
      await reconcileObject(request, "worker", loop);
      await adapters.queue.ack(messages[i] as (typeof messages)[number]);
      const status = (await adapters.state.getObject(request.key))?.status;
      expect(status?.lastHandledReconcileAt).toBe(request.requestedAt);
      expect(status?.artifact).toMatchObject({ revision: `main@sha1:${commit}` });
    }

    // GitHub's "Redeliver" sends the same delivery id: nothing runs twice.
    expect((await push(signature, "delivery-1")).status).toBe(202);
    expect(await receive()).toEqual([]);

    const unknown = await handler({
      method: "POST",
      path: `/hook/${"0".repeat(64)}`,
      headers: { "content-type": "application/json", "x-hub-signature-256": signature },
      body,
    });
    expect(unknown).toEqual({ status: 404, body: { error: { reason: "NotFound", message: "not found" } } });
  });
});
