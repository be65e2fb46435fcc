import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { CreateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SQSClient } from "@aws-sdk/client-sqs";
import { CoreV1Api } from "@kubernetes/client-node";
import { describe, expect, it, onTestFinished } from "vitest";
import { findCondition } from "../../../shared/api/conditions.ts";
import { ROOT_ENV, ROOT_NAME, ROOT_NAMESPACE } from "../../../shared/control/root-config.ts";
import type { ObjectKey } from "../../../shared/ports/index.ts";
import { conditionsOf } from "../../../shared/reconcile/status.ts";
import { TOOL_ENV } from "../../../shared/runtime/tools.ts";
import { adminKubeConfig, awsClientConfig, testEnv } from "../../env/context.ts";
import { GitFixture } from "../../helpers/git-fixture.ts";
import { type GithubDelivery, githubPush } from "../../helpers/github-push.ts";
import {
  functionUrlEvent,
  lambdaContext,
  receiveAll,
  scheduledEvent,
  sqsRecord,
} from "../../helpers/lambda-events.ts";
import { provisionMotoStack } from "../../helpers/moto-stack.ts";
import { FLEET_RECEIVER, fleetSettings, webhookFleet } from "../../helpers/webhook-fleet.ts";

const REGION = "us-east-1";
const TOKEN = `token-${randomUUID()}`;
const name = `sluice-wh-${randomUUID().slice(0, 8)}`;
const namespace = `hookfn-${name.slice(-8)}`;
const rootGit: ObjectKey = { kind: "GitRepository", namespace: ROOT_NAMESPACE, name: ROOT_NAME };
const rootKs: ObjectKey = { kind: "Kustomization", namespace: ROOT_NAMESPACE, name: ROOT_NAME };
const receiverKey: ObjectKey = {
  kind: "Receiver",
  namespace: FLEET_RECEIVER.namespace,
  name: FLEET_RECEIVER.name,
};
const appsKey: ObjectKey = { kind: "Kustomization", namespace: "flux-system", name: "apps" };
const KUBECONFIG_SECRET = "target-kubeconfig";

describe("the GitOps loop on the Lambda handlers (moto), driven by a GitHub webhook", () => {
  it("scheduler registers the root, the worker syncs it; a signed push through the receiver goes live, a forgery queues nothing", {
    timeout: 180_000,
  }, async () => {
    const env = testEnv();
    const config = awsClientConfig();
    const sqs = new SQSClient(config);
    const stack = await provisionMotoStack(name, { region: REGION });
    const { state, queues: urls } = stack;

    // What an operator stores beside the stack: the Receiver's token, and the target cluster.
    const secrets = new SecretsManagerClient(config);
    await secrets.send(
      new CreateSecretCommand({
        Name: `${name}/${FLEET_RECEIVER.namespace}/${FLEET_RECEIVER.tokenSecret}`,
        SecretString: JSON.stringify({ token: TOKEN }),
      }),
    );
    await secrets.send(
      new CreateSecretCommand({
        Name: `${name}/flux-system/${KUBECONFIG_SECRET}`,
        SecretString: JSON.stringify({ value: await readFile(env.kube.kubeconfig, "utf8") }),
      }),
    );

    const core = adminKubeConfig().makeApiClient(CoreV1Api);
    onTestFinished(async () => {
      await core.deleteNamespace({ name: namespace }).catch(() => {});
    });
    const repo = await GitFixture.create(env.git, `webhook-functions/${name}`);
    const firstCommit = await repo.commit(
      webhookFleet({ namespace, color: "blue", kubeConfigSecret: KUBECONFIG_SECRET }),
    );

    // What the stack sets (its Root* parameters included), plus the SDK's own variables
    // pointing at moto. The handlers read them when first imported, just below.
    const saved = { ...process.env };
    onTestFinished(() => {
      process.env = saved;
    });
    Object.assign(process.env, {
      ...stack.env,
      [ROOT_ENV.url]: repo.url,
      [ROOT_ENV.path]: "./clusters/dev",
      [TOOL_ENV.kubectl]: env.tools.kubectl,
      [TOOL_ENV.helm]: env.tools.helm,
      POWERTOOLS_LOG_LEVEL: "SILENT",
      POWERTOOLS_METRICS_DISABLED: "true",
    });
    const color = () =>
      core.readNamespacedConfigMap({ name: "settings", namespace }).then(
        (cm) => cm.data?.color,
        () => undefined,
      );

    const { handler: scheduler } = await import("../../../functions/scheduler.ts");
    const { handler: worker } = await import("../../../functions/worker.ts");
    const { handler: receiver } = await import("../../../functions/receiver.ts");
    const queueArn = `arn:aws:sqs:${REGION}:123456789012:${name}.fifo`;

    /**
     * The event source mapping's part: hand what the queue holds to the worker, batch after
     * batch, until the queue is empty and `done` holds (a retried message may be hidden a while).
     */
    const drainUntil = async (done: () => Promise<boolean>) => {
      for (let pass = 0; pass < 60; pass++) {
        const messages = await receiveAll(sqs, urls.queueUrl);
        if (messages.length === 0) {
          if (await done()) return;
          continue;
        }
        const records = messages.map((m) => sqsRecord(m, queueArn, REGION));
        await worker({ Records: records }, lambdaContext("worker", REGION));
      }
      throw new Error("the queue did not settle in 60 passes");
    };

    // The first tick registers the root from SLUICE_ROOT_* and queues it; the worker does the rest.
    expect(await scheduler(scheduledEvent(REGION), lambdaContext("scheduler", REGION))).toEqual({
      enqueued: 2,
    });
    expect((await state.getObject(rootGit))?.spec).toMatchObject({ url: repo.url });
    await drainUntil(async () => (await color()) === "blue");
    expect((await state.getObject(rootGit))?.status?.artifact).toMatchObject({
      revision: `main@sha1:${firstCommit}`,
    });
    const receiverObject = await state.getObject(receiverKey);
    expect(findCondition(conditionsOf(receiverObject?.status), "Ready")).toMatchObject({ status: "True" });
    const webhookPath = String(receiverObject?.status?.webhookPath);
    expect(webhookPath).toMatch(/^\/hook\/[0-9a-f]{64}$/);
    // The root holds only toolkit objects: it needs no cluster, so none is configured for it.
    expect(findCondition(conditionsOf((await state.getObject(rootKs))?.status), "Ready")).toMatchObject({
      status: "True",
    });
    expect(findCondition(conditionsOf((await state.getObject(appsKey))?.status), "Ready")).toMatchObject({
      status: "True",
    });

    /** GitHub's request, as the receiver's function URL hands it over. */
    const answer = async (delivery: GithubDelivery, base64 = false) => {
      const event = functionUrlEvent({ method: "POST", rawPath: webhookPath, ...delivery, base64 });
      const response = (await receiver(event, lambdaContext("receiver", REGION))) as {
        statusCode: number;
        body: string;
      };
      return { statusCode: response.statusCode, body: JSON.parse(response.body) as unknown };
    };

    // A push, and GitHub's webhook for it.
    const second = await repo.commit(fleetSettings(namespace, "green"));
    const push = githubPush({ secret: TOKEN, cloneUrl: repo.url, before: firstCommit, after: second });
    expect(await answer(push)).toEqual({
      statusCode: 202,
      body: { accepted: [`GitRepository/${ROOT_NAMESPACE}/${ROOT_NAME}`], requestedAt: expect.any(String) },
    });
    // GitHub redelivers with the same delivery id: answered alike, but the FIFO queue drops it.
    // (moto forgets a de-duplication id once its message is deleted, where SQS keeps it for five
    // minutes; so the redelivery comes while the first is still queued, as a retry after a slow
    // answer does.)
    expect((await answer(push)).statusCode).toBe(202);
    const queued = await receiveAll(sqs, urls.queueUrl);
    const requests = queued.map(
      (m) => JSON.parse(m.Body as string) as { reason: string; requestedAt: string },
    );
    expect(requests).toEqual([
      expect.objectContaining({ reason: "webhook", key: "GitRepository/flux-system/flux-system" }),
    ]);
    const requestedAt = String(requests[0]?.requestedAt);
    expect(
      await worker(
        { Records: queued.map((m) => sqsRecord(m, queueArn, REGION)) },
        lambdaContext("worker", REGION),
      ),
    ).toEqual({ batchItemFailures: [] });
    await drainUntil(async () => (await color()) === "green");
    expect((await state.getObject(rootGit))?.status).toMatchObject({
      artifact: { revision: `main@sha1:${second}` },
      lastHandledReconcileAt: requestedAt,
    });

    // A forged signature: refused before anything is queued, and the next commit stays in Git.
    const third = await repo.commit(fleetSettings(namespace, "red"));
    const forged = githubPush({ secret: "not-the-token", cloneUrl: repo.url, before: second, after: third });
    expect(await answer(forged)).toEqual({
      statusCode: 401,
      body: {
        error: { reason: "Unauthorized", message: "the request's signature or token is missing or invalid" },
      },
    });
    expect(await receiveAll(sqs, urls.queueUrl)).toEqual([]);
    expect(await color()).toBe("green");

    // The same push, signed, with a body the function URL base64-encoded: it goes live.
    const genuine = githubPush({ secret: TOKEN, cloneUrl: repo.url, before: second, after: third });
    expect((await answer(genuine, true)).statusCode).toBe(202);
    await drainUntil(async () => (await color()) === "red");
    expect((await state.getObject(rootGit))?.status?.artifact).toMatchObject({
      revision: `main@sha1:${third}`,
    });
  });
});
