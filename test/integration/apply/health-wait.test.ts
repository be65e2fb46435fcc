import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import {
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubernetesObjectApi,
  PatchStrategy,
  type V1Deployment,
  type V1Job,
} from "@kubernetes/client-node";
import { describe, expect, it, onTestFinished } from "vitest";
import { clusterHealth, type ObjectRef, waitForHealthy } from "../../../shared/apply/health-wait.ts";
import { adminKubeConfig } from "../../env/context.ts";

const kc = adminKubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const apps = kc.makeApiClient(AppsV1Api);
const batch = kc.makeApiClient(BatchV1Api);
const customs = kc.makeApiClient(CustomObjectsApi);
const objects = KubernetesObjectApi.makeApiClient(kc);
const fast = { intervalMs: 100, signal: new AbortController().signal };

async function namespace(): Promise<string> {
  const name = `t-${randomUUID().slice(0, 8)}`;
  await core.createNamespace({ body: { metadata: { name } } });
  // Without a namespace controller this only marks it Terminating, which keeps test namespaces apart.
  onTestFinished(() => core.deleteNamespace({ name }).then(() => undefined));
  return name;
}

async function createDeployment(ns: string, name: string, replicas: number): Promise<ObjectRef> {
  const labels = { app: name };
  await apps.createNamespacedDeployment({
    namespace: ns,
    body: {
      metadata: { name, namespace: ns },
      spec: {
        replicas,
        selector: { matchLabels: labels },
        template: { metadata: { labels }, spec: { containers: [{ name: "app", image: "nginx" }] } },
      },
    },
  });
  return { apiVersion: "apps/v1", kind: "Deployment", namespace: ns, name };
}

/** What the deployment controller would write after `available` of `replicas` pods became available. */
async function setDeploymentStatus(ref: ObjectRef, replicas: number, available: number): Promise<void> {
  const live: V1Deployment = await apps.readNamespacedDeployment({
    name: ref.name,
    namespace: ref.namespace ?? "",
  });
  const done = available === replicas;
  const condition = (type: string, status: string, reason: string) => ({
    type,
    status,
    reason,
    message: reason,
  });
  live.status = {
    observedGeneration: live.metadata?.generation ?? 1,
    replicas,
    updatedReplicas: replicas,
    readyReplicas: available,
    availableReplicas: available,
    ...(available < replicas ? { unavailableReplicas: replicas - available } : {}),
    conditions: [
      condition(
        "Available",
        done ? "True" : "False",
        done ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
      ),
      condition("Progressing", "True", done ? "NewReplicaSetAvailable" : "ReplicaSetUpdated"),
    ],
  };
  await apps.replaceNamespacedDeploymentStatus({
    name: ref.name,
    namespace: ref.namespace ?? "",
    body: live,
  });
}

describe("waitForHealthy against a real API server", () => {
  it("returns healthy once a Deployment becomes available while waiting", async () => {
    const ns = await namespace();
    const web = await createDeployment(ns, "web", 2);
    const config = { apiVersion: "v1", kind: "ConfigMap", namespace: ns, name: "settings" };
    await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: "settings" }, data: {} },
    });

    const before = await waitForHealthy(clusterHealth(kc), [web, config], { ...fast, timeoutMs: 0 });
    expect(before).toEqual({
      healthy: false,
      failures: [
        {
          subject: `Deployment/${ns}/web`,
          state: "InProgress",
          message: `Deployment/${ns}/web: 0 of 2 replicas created`,
        },
      ],
    });

    const waiting = waitForHealthy(clusterHealth(kc), [web, config], { ...fast, timeoutMs: 45_000 });
    await sleep(300); // let a few polls see it unavailable
    await setDeploymentStatus(web, 2, 2);
    await expect(waiting).resolves.toEqual({ healthy: true, failures: [] });
  });

  it("reports a Deployment that never becomes available after the timeout, naming what is missing", async () => {
    const ns = await namespace();
    const web = await createDeployment(ns, "web", 3);
    await setDeploymentStatus(web, 3, 1);
    const report = await waitForHealthy(clusterHealth(kc), [web], { ...fast, timeoutMs: 500 });
    expect(report.healthy).toBe(false);
    expect(report.failures).toEqual([
      {
        subject: `Deployment/${ns}/web`,
        state: "InProgress",
        message: `Deployment/${ns}/web: 1 of 3 replicas available`,
      },
    ]);
  });

  it("ends the wait as soon as a Job fails, without waiting out the timeout", async () => {
    const ns = await namespace();
    const created: V1Job = await batch.createNamespacedJob({
      namespace: ns,
      body: {
        metadata: { name: "migrate" },
        spec: {
          backoffLimit: 0,
          template: { spec: { restartPolicy: "Never", containers: [{ name: "migrate", image: "busybox" }] } },
        },
      },
    });
    const web = await createDeployment(ns, "web", 1);
    const job = { apiVersion: "batch/v1", kind: "Job", namespace: ns, name: "migrate" };
    // Longer than the test's own timeout: only failing fast lets this test pass.
    const waiting = waitForHealthy(clusterHealth(kc), [web, job], { ...fast, timeoutMs: 120_000 });
    const now = new Date();
    const failed = (type: string) => ({
      type,
      status: "True",
      reason: "BackoffLimitExceeded",
      message: "Job has reached the specified backoff limit",
      lastTransitionTime: now,
      lastProbeTime: now,
    });
    created.status = {
      startTime: now,
      failed: 1,
      active: 0,
      conditions: [failed("FailureTarget"), failed("Failed")],
    };
    await batch.replaceNamespacedJobStatus({ name: "migrate", namespace: ns, body: created });
    const report = await waiting;
    expect(report.healthy).toBe(false);
    expect(report.failures).toContainEqual({
      subject: `Job/${ns}/migrate`,
      state: "Failed",
      message: `Job/${ns}/migrate failed: BackoffLimitExceeded: Job has reached the specified backoff limit`,
    });
    expect(report.failures.map((f) => f.subject)).toEqual([`Deployment/${ns}/web`, `Job/${ns}/migrate`]);
  });

  it("waits for a custom resource's Ready condition", async () => {
    await installGadgetCrd();
    const ns = await namespace();
    const gadget = { apiVersion: "health.sluice.dev/v1", kind: "Gadget", namespace: ns, name: "g1" };
    await expect
      .poll(
        () =>
          objects
            .create({
              apiVersion: gadget.apiVersion,
              kind: "Gadget",
              metadata: { name: "g1", namespace: ns },
            })
            .then(
              () => true,
              () => false,
            ),
        {
          timeout: 30_000,
          interval: 250,
        },
      )
      .toBe(true);
    const setReady = async (status: string, reason: string, message: string) => {
      const live = (await customs.getNamespacedCustomObject({ ...gadgetPath(ns), name: "g1" })) as Record<
        string,
        unknown
      >;
      const generation = (live.metadata as { generation: number }).generation;
      const body = {
        ...live,
        status: { observedGeneration: generation, conditions: [{ type: "Ready", status, reason, message }] },
      };
      await customs.replaceNamespacedCustomObjectStatus({ ...gadgetPath(ns), name: "g1", body });
    };
    await setReady("False", "DependencyNotReady", "waiting for the database");
    const notYet = await waitForHealthy(clusterHealth(kc), [gadget], { ...fast, timeoutMs: 300 });
    expect(notYet.failures).toEqual([
      {
        subject: `Gadget/${ns}/g1`,
        state: "InProgress",
        message: `Gadget/${ns}/g1: not ready: DependencyNotReady: waiting for the database`,
      },
    ]);
    const waiting = waitForHealthy(clusterHealth(kc), [gadget], { ...fast, timeoutMs: 45_000 });
    await setReady("True", "Succeeded", "all parts in place");
    await expect(waiting).resolves.toEqual({ healthy: true, failures: [] });
  });

  it("reports missing objects and unserved kinds as NotFound, and stops at once when aborted", async () => {
    const ns = await namespace();
    const refs: ObjectRef[] = [
      { apiVersion: "v1", kind: "ConfigMap", namespace: ns, name: "absent" },
      { apiVersion: "nothing.sluice.dev/v1", kind: "Phantom", namespace: ns, name: "p" },
    ];
    const report = await waitForHealthy(clusterHealth(kc), refs, { ...fast, timeoutMs: 300 });
    expect(report).toEqual({
      healthy: false,
      failures: [
        {
          subject: `ConfigMap/${ns}/absent`,
          state: "NotFound",
          message: `ConfigMap/${ns}/absent: not found`,
        },
        {
          subject: `Phantom/${ns}/p`,
          state: "NotFound",
          message: `Phantom/${ns}/p: the cluster does not serve kind Phantom in nothing.sluice.dev/v1`,
        },
      ],
    });

    const controller = new AbortController();
    const waiting = waitForHealthy(clusterHealth(kc), refs, {
      timeoutMs: 120_000,
      signal: controller.signal,
    });
    controller.abort(new Error("reconcile timed out"));
    await expect(waiting).rejects.toThrow("reconcile timed out");
  });
});

function gadgetPath(namespace: string) {
  return { group: "health.sluice.dev", version: "v1", namespace, plural: "gadgets" };
}

async function installGadgetCrd(): Promise<void> {
  const crd = {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: "gadgets.health.sluice.dev" },
    spec: {
      group: "health.sluice.dev",
      scope: "Namespaced",
      names: { plural: "gadgets", singular: "gadget", kind: "Gadget" },
      versions: [
        {
          name: "v1",
          served: true,
          storage: true,
          subresources: { status: {} },
          schema: {
            openAPIV3Schema: {
              type: "object",
              // Explicit fields: the typed client drops `x-kubernetes-preserve-unknown-fields` from plain JSON.
              properties: {
                status: {
                  type: "object",
                  properties: {
                    observedGeneration: { type: "integer" },
                    conditions: {
                      type: "array",
                      items: {
                        type: "object",
                        properties: Object.fromEntries(
                          ["type", "status", "reason", "message"].map((key) => [key, { type: "string" }]),
                        ),
                      },
                    },
                  },
                },
              },
            },
          },
        },
      ],
    },
  };
  await objects.patch(crd, undefined, undefined, "sluice-health-test", true, PatchStrategy.ServerSideApply);
  const ref = { apiVersion: crd.apiVersion, kind: crd.kind, name: crd.metadata.name };
  // The CRD's own health rule: Established.
  const report = await waitForHealthy(clusterHealth(kc), [ref], { ...fast, timeoutMs: 30_000 });
  expect(report).toEqual({ healthy: true, failures: [] });
}
