import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { CreateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { type Message, SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { CoreV1Api } from "@kubernetes/client-node";
import type { SQSEvent } from "aws-lambda";
import { beforeAll, describe, expect, it } from "vitest";
import type { DynamoDbStateStore } from "../../shared/adapters/aws/dynamodb-state-store.ts";
import { findCondition } from "../../shared/api/conditions.ts";
import { formatKey } from "../../shared/ports/index.ts";
import { conditionsOf } from "../../shared/reconcile/status.ts";
import { encodeWorkRequest } from "../../shared/reconcile/work-request.ts";
import { adminKubeConfig, awsClientConfig, testEnv } from "../env/context.ts";
import { GitFixture } from "../helpers/git-fixture.ts";
import {
  functionUrlEvent,
  lambdaContext,
  receiveAll,
  scheduledEvent,
  sqsRecord,
} from "../helpers/lambda-events.ts";
import { provisionMotoStack } from "../helpers/moto-stack.ts";

const REGION = "us-east-1";
const name = `sluice-fn-${randomUUID().slice(0, 8)}`;
let queueUrl: string;
let state: DynamoDbStateStore;

const QUEUE_ARN = () => `arn:aws:sqs:${REGION}:123456789012:${name}.fifo`;
const context = (functionName: string) => lambdaContext(functionName, REGION);
const record = (message: Message) => sqsRecord(message, QUEUE_ARN(), REGION);

describe("Lambda handlers on the AWS adapters (moto)", () => {
  const config = awsClientConfig();
  const sqs = new SQSClient(config);

  beforeAll(async () => {
    const stack = await provisionMotoStack(name, { region: REGION });
    queueUrl = stack.queues.queueUrl;
    state = stack.state;
    Object.assign(process.env, {
      ...stack.env,
      POWERTOOLS_LOG_LEVEL: "SILENT",
      POWERTOOLS_METRICS_DISABLED: "true",
    });
  });

  it("scheduler → SQS FIFO → worker: a due GitRepository gets its artifact in S3, a corrupt message is dead-lettered", async () => {
    const { handler: scheduler } = await import("../../functions/scheduler.ts");
    const { handler: worker } = await import("../../functions/worker.ts");
    const repo = await GitFixture.create(testEnv().git, `functions/${name}`);
    const commit = await repo.commit({ "deploy/app.yaml": "kind: ConfigMap\n" });
    const key = { kind: "GitRepository", namespace: "flux-system", name: "podinfo" };
    await state.putObject({
      key,
      apiVersion: "source.toolkit.fluxcd.io/v1",
      metadata: {},
      spec: { interval: "5m", url: repo.url, ref: { branch: "main" } },
    });

    const tick = scheduledEvent(REGION);
    expect(await scheduler(tick, context("scheduler"))).toEqual({ enqueued: 1 });

    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: "garbage",
        MessageGroupId: "garbage",
        MessageDeduplicationId: "garbage",
      }),
    );
    const messages = await receiveAll(sqs, queueUrl);
    expect(messages).toHaveLength(2);
    const event: SQSEvent = { Records: messages.map(record) };
    const response = await worker(event, context("worker"));
    expect(response).toEqual({ batchItemFailures: [] });

    const object = await state.getObject(key);
    expect(findCondition(conditionsOf(object?.status), "Ready")).toMatchObject({
      status: "True",
      message: `stored artifact for revision 'main@sha1:${commit}'`,
    });
    const artifact = object?.status?.artifact as { url: string; digest: string };
    expect(artifact.url).toMatch(new RegExp(`^s3://${name}/`));
    const s3 = new S3Client({ ...awsClientConfig(), forcePathStyle: true });
    const [bucket, ...rest] = artifact.url.slice("s3://".length).split("/");
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: rest.join("/") }));
    expect(head.ContentLength).toBeGreaterThan(0);
    expect(object?.dueAt).toBeGreaterThan(Date.now());
  });

  it("api: lists objects and accepts a reconcile request through a function URL event", async () => {
    const { handler: api } = await import("../../functions/api.ts");
    const urlEvent = (method: string, rawPath: string) =>
      functionUrlEvent({ method, rawPath, headers: { "content-type": "application/json" } });
    const list = await api(urlEvent("GET", "/v1/objects"), context("api"));
    expect(list).toMatchObject({ statusCode: 200 });
    const items = JSON.parse((list as { body: string }).body).items as { name: string }[];
    expect(items.map((i) => i.name)).toContain("podinfo");

    const accepted = await api(
      urlEvent("POST", "/v1/objects/GitRepository/flux-system/podinfo/reconcile"),
      context("api"),
    );
    expect(accepted).toMatchObject({ statusCode: 202 });
    const queued = await receiveAll(sqs, queueUrl);
    expect(queued.map((m) => JSON.parse(m.Body as string).reason)).toEqual(["manual"]);

    const missing = await api(
      urlEvent("GET", "/v1/objects/GitRepository/flux-system/absent"),
      context("api"),
    );
    expect(missing).toMatchObject({ statusCode: 404 });
  });

  it("api: lists the events the worker published, from the event table, for one object or all", async () => {
    const { handler: api } = await import("../../functions/api.ts");
    const get = async (rawPath: string, query: Record<string, string> = {}) => {
      const response = (await api(functionUrlEvent({ method: "GET", rawPath, query }), context("api"))) as {
        statusCode: number;
        body: string;
      };
      expect(response.statusCode).toBe(200);
      return (
        JSON.parse(response.body) as { items: { reason: string; message: string; key: { name: string } }[] }
      ).items;
    };
    const object = "GitRepository/flux-system/podinfo";
    const events = await get("/v1/events", { object });
    expect(events.map((e) => e.reason)).toEqual(["ArtifactUpdated"]);
    expect(events[0]?.message).toMatch(/^stored artifact for commit 'main@sha1:/);
    expect((await get("/v1/events")).map((e) => e.key.name)).toContain("podinfo");
    expect(await get("/v1/events", { object, since: new Date(Date.now() + 60_000).toISOString() })).toEqual(
      [],
    );
  });

  it("worker: a new Git artifact wakes a Kustomization, which applies to the cluster in a kubeconfig secret", async () => {
    const { handler: worker } = await import("../../functions/worker.ts");
    const env = testEnv();
    Object.assign(process.env, { SLUICE_KUBECTL: env.tools.kubectl, SLUICE_HELM: env.tools.helm });
    const secrets = new SecretsManagerClient(config);
    await secrets.send(
      new CreateSecretCommand({
        Name: `${name}/flux-system/target-kubeconfig`,
        SecretString: JSON.stringify({ value: await readFile(env.kube.kubeconfig, "utf8") }),
      }),
    );
    const namespace = `fn-${name.slice(-8)}`;
    const repo = await GitFixture.create(env.git, `functions/${name}-apps`);
    await repo.commit({
      "apps/ns.yaml": `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${namespace}\n`,
      "apps/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: lambda\n",
    });
    const source = { kind: "GitRepository", namespace: "flux-system", name: "apps" };
    await state.putObject({
      key: source,
      apiVersion: "source.toolkit.fluxcd.io/v1",
      metadata: {},
      spec: { interval: "5m", url: repo.url, ref: { branch: "main" } },
    });
    await state.putObject({
      key: { kind: "Kustomization", namespace: "flux-system", name: "apps" },
      apiVersion: "kustomize.toolkit.fluxcd.io/v1",
      metadata: {},
      spec: {
        interval: "1h",
        sourceRef: { kind: "GitRepository", name: "apps" },
        path: "./apps",
        prune: true,
        targetNamespace: namespace,
        kubeConfig: { secretRef: { name: "target-kubeconfig" } },
      },
    });
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: encodeWorkRequest({ key: source, reason: "manual" }),
        MessageGroupId: formatKey(source),
        MessageDeduplicationId: randomUUID(),
      }),
    );
    // Each pass runs what the queue holds: the source first, then what its ArtifactUpdated woke.
    for (let pass = 0; pass < 2; pass++) {
      const event: SQSEvent = { Records: (await receiveAll(sqs, queueUrl)).map(record) };
      expect(await worker(event, context("worker"))).toEqual({ batchItemFailures: [] });
    }
    const core = adminKubeConfig().makeApiClient(CoreV1Api);
    const live = await core.readNamespacedConfigMap({ name: "settings", namespace });
    expect(live.data).toEqual({ mode: "lambda" });
    const ks = await state.getObject({ kind: "Kustomization", namespace: "flux-system", name: "apps" });
    expect(findCondition(conditionsOf(ks?.status), "Ready")).toMatchObject({ status: "True" });
  });
});
