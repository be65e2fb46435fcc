import { randomUUID } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { CoreV1Api } from "@kubernetes/client-node";
import { describe, expect, it, onTestFinished, vi } from "vitest";
import { openDatabase } from "../../../shared/adapters/local/database.ts";
import { SqliteStateStore } from "../../../shared/adapters/local/sqlite-state-store.ts";
import { ROOT_NAME, ROOT_NAMESPACE } from "../../../shared/control/root-config.ts";
import { startLocalRuntime } from "../../../shared/runtime/local-runtime.ts";
import { TOOL_ENV } from "../../../shared/runtime/tools.ts";
import { adminKubeConfig, testEnv } from "../../env/context.ts";
import { GitFixture } from "../../helpers/git-fixture.ts";
import { type GithubDelivery, githubPush } from "../../helpers/github-push.ts";
import { tempDir } from "../../helpers/temp-dir.ts";
import { FLEET_RECEIVER, fleetSettings, webhookFleet } from "../../helpers/webhook-fleet.ts";

const TOKEN = `token-${randomUUID()}`;
const rootGit = { kind: "GitRepository", namespace: ROOT_NAMESPACE, name: ROOT_NAME };
const rootGitPath = `/v1/objects/GitRepository/${ROOT_NAMESPACE}/${ROOT_NAME}`;
/** Generous for a loaded machine, yet well inside the root GitRepository's one-minute interval. */
const PUSH_TO_LIVE = { timeout: 30_000, interval: 100 };

interface ObjectView {
  readonly status: {
    readonly webhookPath?: string;
    readonly lastHandledReconcileAt?: string;
    readonly artifact?: { readonly revision?: string };
  };
}

describe("the GitOps loop on the local runtime, driven by a GitHub webhook", () => {
  it("a signed push goes live; a forged one and a redelivery run nothing", { timeout: 180_000 }, async () => {
    const env = testEnv();
    // The runtime finds kubectl and helm as `npm start` lets an operator point at them.
    vi.stubEnv(TOOL_ENV.kubectl, env.tools.kubectl);
    vi.stubEnv(TOOL_ENV.helm, env.tools.helm);
    onTestFinished(() => {
      vi.unstubAllEnvs();
    });

    const namespace = `hook-${randomUUID().slice(0, 8)}`;
    const core = adminKubeConfig().makeApiClient(CoreV1Api);
    onTestFinished(async () => {
      await core.deleteNamespace({ name: namespace }).catch(() => {});
    });
    const repo = await GitFixture.create(env.git, `webhook-e2e/${namespace}`);
    const first = await repo.commit(webhookFleet({ namespace, color: "blue" }));

    // The token as an operator puts it next to the installation, before the first start.
    const dataDir = await tempDir("sluice-webhook-e2e-");
    await mkdir(join(dataDir, "secrets", FLEET_RECEIVER.namespace), { recursive: true });
    await writeFile(
      join(dataDir, "secrets", FLEET_RECEIVER.namespace, `${FLEET_RECEIVER.tokenSecret}.yaml`),
      `apiVersion: v1\nkind: Secret\nmetadata:\n  name: ${FLEET_RECEIVER.tokenSecret}\n  namespace: ${FLEET_RECEIVER.namespace}\n` +
        `stringData:\n  token: ${TOKEN}\n`,
    );

    const runtime = await startLocalRuntime({
      dataDir,
      port: 0,
      kubeconfig: env.kube.kubeconfig,
      root: { url: repo.url, path: "./clusters/dev" },
      // One tick at start, then none for an hour: after the first sync, only requests run anything.
      tickMs: 3_600_000,
    });
    onTestFinished(() => runtime.stop());
    // A second connection, to read the status version the HTTP API does not show.
    const database = openDatabase({ path: join(dataDir, "sluice.db") });
    onTestFinished(() => database.close());
    const state = new SqliteStateStore({ database });
    const statusVersion = async () => (await state.getObject(rootGit))?.statusVersion;

    const getObject = async (path: string): Promise<ObjectView | undefined> => {
      const response = await fetch(`${runtime.url}${path}`);
      return response.status === 200 ? ((await response.json()) as ObjectView) : undefined;
    };
    const color = () =>
      core.readNamespacedConfigMap({ name: "settings", namespace }).then(
        (cm) => cm.data?.color,
        () => undefined,
      );
    const post = async (path: string, delivery: GithubDelivery) => {
      const response = await fetch(`${runtime.url}${path}`, {
        method: "POST",
        headers: delivery.headers,
        body: new Uint8Array(delivery.body),
      });
      return { status: response.status, body: (await response.json()) as unknown };
    };

    // The first sync: root source → root Kustomization registers the Receiver and `apps` → the app.
    await expect.poll(color, { timeout: 60_000, interval: 200 }).toBe("blue");
    const receiverPath = `/v1/objects/Receiver/${FLEET_RECEIVER.namespace}/${FLEET_RECEIVER.name}`;
    await expect
      .poll(async () => (await getObject(receiverPath))?.status.webhookPath, { timeout: 60_000 })
      .toMatch(/^\/hook\/[0-9a-f]{64}$/);
    const hook = String((await getObject(receiverPath))?.status.webhookPath);
    expect((await getObject(rootGitPath))?.status).toMatchObject({
      artifact: { revision: `main@sha1:${first}` },
    });
    expect((await getObject(rootGitPath))?.status.lastHandledReconcileAt).toBeUndefined();

    // A push, and GitHub's webhook for it.
    const second = await repo.commit(fleetSettings(namespace, "green"));
    const push = githubPush({ secret: TOKEN, cloneUrl: repo.url, before: first, after: second });
    const accepted = await post(hook, push);
    expect(accepted).toEqual({
      status: 202,
      body: { accepted: [`GitRepository/${ROOT_NAMESPACE}/${ROOT_NAME}`], requestedAt: expect.any(String) },
    });
    await expect.poll(color, PUSH_TO_LIVE).toBe("green");
    const afterPush = (await getObject(rootGitPath))?.status;
    expect(afterPush?.artifact?.revision).toBe(`main@sha1:${second}`);
    // The run that fetched it was the webhook's own request.
    expect(afterPush?.lastHandledReconcileAt).toBe((accepted.body as { requestedAt: string }).requestedAt);

    // GitHub's "Redeliver": answered as before, but no second request reaches the queue. A manual
    // request after it is the marker: the queue keeps the source's requests in order, so once the
    // marker is handled, a queued redelivery would have written status before it.
    const beforeRedelivery = await statusVersion();
    expect((await post(hook, push)).status).toBe(202);
    const marker = await fetch(`${runtime.url}${rootGitPath}/reconcile`, { method: "POST" });
    expect(marker.status).toBe(202);
    const { requestedAt } = (await marker.json()) as { requestedAt: string };
    await expect
      .poll(async () => (await getObject(rootGitPath))?.status.lastHandledReconcileAt, PUSH_TO_LIVE)
      .toBe(requestedAt);
    expect(await statusVersion()).toBe(Number(beforeRedelivery) + 1);

    // A forged signature: refused, and the next commit stays in Git.
    const third = await repo.commit(fleetSettings(namespace, "red"));
    const forged = githubPush({ secret: "not-the-token", cloneUrl: repo.url, before: second, after: third });
    const beforeForgery = await statusVersion();
    expect(await post(hook, forged)).toEqual({
      status: 401,
      body: {
        error: { reason: "Unauthorized", message: "the request's signature or token is missing or invalid" },
      },
    });
    // The worker polls every second: a request queued by the forgery would have been taken by now.
    await sleep(3_000);
    expect(await color()).toBe("green");
    expect((await getObject(rootGitPath))?.status.lastHandledReconcileAt).toBe(requestedAt);

    // The same push, signed: it goes live, and its run is the only one since the forgery (a
    // request queued by the forgery would have run first and written status too).
    const genuine = githubPush({ secret: TOKEN, cloneUrl: repo.url, before: second, after: third });
    expect((await post(hook, genuine)).status).toBe(202);
    await expect.poll(color, PUSH_TO_LIVE).toBe("red");
    expect((await getObject(rootGitPath))?.status.artifact?.revision).toBe(`main@sha1:${third}`);
    expect(await statusVersion()).toBe(Number(beforeForgery) + 1);
  });
});
