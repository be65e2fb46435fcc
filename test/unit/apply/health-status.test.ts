import { describe, expect, it } from "vitest";
import { computeHealth } from "../../../shared/apply/health-status.ts";

type Json = Record<string, unknown>;
const cond = (type: string, status: string, reason = "", message = "") => ({ type, status, reason, message });

function deployment(status: Json, spec: Json = {}): Json {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: "app", generation: 2 },
    spec: { replicas: 3, progressDeadlineSeconds: 600, ...spec },
    status: { observedGeneration: 2, ...status },
  };
}
const rolledOut = [cond("Progressing", "True", "NewReplicaSetAvailable"), cond("Available", "True")];
const fullDeployment = { replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3 };

describe("computeHealth: generic kstatus rules", () => {
  it("is InProgress while the controller has not observed the latest generation", () => {
    const live = deployment({ ...fullDeployment, observedGeneration: 1, conditions: rolledOut });
    expect(computeHealth(live)).toEqual({
      state: "InProgress",
      message: "Deployment generation is 2, but its controller has only observed generation 1",
    });
  });

  it("is InProgress while being deleted", () => {
    const live = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "c", deletionTimestamp: "2024-01-01T00:00:00Z" },
    };
    expect(computeHealth(live).state).toBe("InProgress");
  });

  it("honours Reconciling and Stalled before any kind rule", () => {
    const base = { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w", generation: 1 } };
    const withConditions = (...conditions: unknown[]) => ({
      ...base,
      status: { observedGeneration: 1, conditions },
    });
    expect(computeHealth(withConditions(cond("Reconciling", "True", "Progressing", "fetching")))).toEqual({
      state: "InProgress",
      message: "Progressing: fetching",
    });
    expect(
      computeHealth(
        withConditions(cond("Ready", "False", "X"), cond("Stalled", "True", "InvalidSpec", "bad url")),
      ),
    ).toEqual({ state: "Failed", message: "InvalidSpec: bad url" });
  });

  it("judges other objects by their Ready condition, and ones without status as Current", () => {
    const widget = (conditions: unknown[]) => ({
      apiVersion: "example.com/v1",
      kind: "Widget",
      metadata: { name: "w" },
      status: { conditions },
    });
    expect(computeHealth(widget([cond("Ready", "True", "Succeeded", "all good")])).state).toBe("Current");
    expect(computeHealth(widget([cond("Ready", "False", "DependencyNotReady", "waiting for db")]))).toEqual({
      state: "InProgress",
      message: "not ready: DependencyNotReady: waiting for db",
    });
    expect(computeHealth(widget([cond("Ready", "Unknown")])).state).toBe("InProgress");
    expect(computeHealth({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" } }).state).toBe(
      "Current",
    );
    expect(computeHealth({ apiVersion: "v1", kind: "Secret", metadata: { name: "s" } }).state).toBe(
      "Current",
    );
    expect(computeHealth({ metadata: { name: "x" } }).state).toBe("Unknown");
  });
});

describe("computeHealth: Deployment", () => {
  it("is Current once every replica is updated, ready and available and the rollout is complete", () => {
    expect(computeHealth(deployment({ ...fullDeployment, conditions: rolledOut }))).toEqual({
      state: "Current",
      message: "Deployment is available: 3 of 3 replicas available",
    });
  });

  it("names the missing replicas", () => {
    const inProgress = (status: Json) => computeHealth(deployment({ conditions: rolledOut, ...status }));
    expect(inProgress({ replicas: 1 }).message).toBe("1 of 3 replicas created");
    expect(inProgress({ replicas: 3, updatedReplicas: 2 }).message).toBe("2 of 3 replicas updated");
    expect(inProgress({ replicas: 4, updatedReplicas: 3 }).message).toBe(
      "1 old replicas pending termination",
    );
    expect(inProgress({ ...fullDeployment, availableReplicas: 1 })).toEqual({
      state: "InProgress",
      message: "1 of 3 replicas available",
    });
    expect(inProgress({ ...fullDeployment, readyReplicas: 2 }).message).toBe("2 of 3 replicas ready");
  });

  it("waits for the rollout and availability conditions", () => {
    const progressing = [cond("Progressing", "True", "ReplicaSetUpdated"), cond("Available", "True")];
    expect(computeHealth(deployment({ ...fullDeployment, conditions: progressing })).state).toBe(
      "InProgress",
    );
    const unavailable = [cond("Progressing", "True", "NewReplicaSetAvailable"), cond("Available", "False")];
    expect(computeHealth(deployment({ ...fullDeployment, conditions: unavailable })).state).toBe(
      "InProgress",
    );
    // Without a progress deadline the controller never sets Progressing.
    const noDeadline = deployment(
      { ...fullDeployment, conditions: [cond("Available", "True")] },
      {
        progressDeadlineSeconds: 2147483647,
      },
    );
    expect(computeHealth(noDeadline).state).toBe("Current");
  });

  it("fails when the progress deadline is exceeded", () => {
    const stuck = [
      cond(
        "Progressing",
        "False",
        "ProgressDeadlineExceeded",
        'ReplicaSet "web-1" has timed out progressing.',
      ),
    ];
    expect(computeHealth(deployment({ replicas: 3, conditions: stuck }))).toEqual({
      state: "Failed",
      message: 'ProgressDeadlineExceeded: ReplicaSet "web-1" has timed out progressing.',
    });
  });

  it("defaults spec.replicas to 1 and accepts the old extensions group", () => {
    const live = {
      ...deployment({
        replicas: 1,
        updatedReplicas: 1,
        readyReplicas: 1,
        availableReplicas: 1,
        conditions: rolledOut,
      }),
      spec: {},
    };
    expect(computeHealth(live).state).toBe("Current");
    expect(
      computeHealth({ ...deployment({ conditions: rolledOut }), apiVersion: "extensions/v1beta1" }).state,
    ).toBe("InProgress");
  });
});

describe("computeHealth: StatefulSet, DaemonSet, ReplicaSet", () => {
  const sts = (status: Json, spec: Json = {}) => ({
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name: "db", generation: 1 },
    spec: { replicas: 2, ...spec },
    status: { observedGeneration: 1, ...status },
  });
  const stsDone = {
    replicas: 2,
    readyReplicas: 2,
    updatedReplicas: 2,
    currentRevision: "db-1",
    updateRevision: "db-1",
  };

  it("StatefulSet: ready replicas, updated replicas and matching revisions", () => {
    expect(computeHealth(sts(stsDone)).state).toBe("Current");
    expect(computeHealth(sts({ ...stsDone, readyReplicas: 1 })).message).toBe("1 of 2 replicas ready");
    expect(computeHealth(sts({ ...stsDone, updatedReplicas: 1 })).message).toBe("1 of 2 replicas updated");
    expect(computeHealth(sts({ ...stsDone, updateRevision: "db-2" })).state).toBe("InProgress");
    expect(computeHealth(sts({}, { updateStrategy: { type: "OnDelete" } })).state).toBe("Current");
    const partitioned = { type: "RollingUpdate", rollingUpdate: { partition: 1 } };
    expect(
      computeHealth(
        sts({ ...stsDone, updatedReplicas: 1, updateRevision: "db-2" }, { updateStrategy: partitioned }),
      ).state,
    ).toBe("Current");
  });

  it("DaemonSet: scheduled, updated, available and ready pods against the desired number", () => {
    const ds = (status: Json) => ({
      apiVersion: "apps/v1",
      kind: "DaemonSet",
      metadata: { name: "agent", generation: 1 },
      status,
    });
    const done = {
      observedGeneration: 1,
      desiredNumberScheduled: 3,
      currentNumberScheduled: 3,
      updatedNumberScheduled: 3,
      numberAvailable: 3,
      numberReady: 3,
    };
    expect(computeHealth(ds(done)).state).toBe("Current");
    expect(computeHealth(ds({ ...done, numberAvailable: 2 }))).toEqual({
      state: "InProgress",
      message: "2 of 3 pods available",
    });
    expect(computeHealth(ds({ ...done, updatedNumberScheduled: 1 })).message).toBe("1 of 3 pods updated");
    expect(computeHealth(ds({ ...done, numberReady: 0 })).message).toBe("0 of 3 pods ready");
    expect(computeHealth(ds({})).state).toBe("InProgress");
  });

  it("ReplicaSet: available and ready replicas", () => {
    const rs = (status: Json) => ({
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: { name: "r" },
      spec: { replicas: 2 },
      status,
    });
    expect(computeHealth(rs({ replicas: 2, availableReplicas: 2, readyReplicas: 2 })).state).toBe("Current");
    expect(computeHealth(rs({ replicas: 2, availableReplicas: 1, readyReplicas: 2 })).message).toBe(
      "1 of 2 replicas available",
    );
  });
});

describe("computeHealth: Job, Pod, PersistentVolumeClaim, Service, CustomResourceDefinition", () => {
  const job = (status: Json) => ({
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: "migrate" },
    spec: {},
    status,
  });

  it("Job: Complete is Current, Failed is Failed, anything else InProgress", () => {
    expect(computeHealth(job({ succeeded: 1, conditions: [cond("Complete", "True")] }))).toEqual({
      state: "Current",
      message: "Job completed: 1 of 1 succeeded",
    });
    const failed = [
      cond("Failed", "True", "BackoffLimitExceeded", "Job has reached the specified backoff limit"),
    ];
    expect(computeHealth(job({ failed: 7, conditions: failed }))).toEqual({
      state: "Failed",
      message: "BackoffLimitExceeded: Job has reached the specified backoff limit",
    });
    expect(
      computeHealth(job({ conditions: [cond("FailureTarget", "True", "DeadlineExceeded")] })).state,
    ).toBe("Failed");
    expect(computeHealth(job({})).message).toBe("Job has not started yet");
    expect(computeHealth(job({ startTime: "2024-01-01T00:00:00Z", active: 1 })).state).toBe("InProgress");
    expect(computeHealth(job({ conditions: [cond("Suspended", "True")] })).state).toBe("Current");
  });

  it("Pod: Ready or Succeeded is Current, Failed or crash-looping is Failed", () => {
    const pod = (status: Json) => ({ apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, status });
    expect(computeHealth(pod({ phase: "Running", conditions: [cond("Ready", "True")] })).state).toBe(
      "Current",
    );
    expect(computeHealth(pod({ phase: "Succeeded" })).state).toBe("Current");
    expect(computeHealth(pod({ phase: "Failed", reason: "Evicted" }))).toEqual({
      state: "Failed",
      message: "Pod failed: Evicted",
    });
    const crashing = {
      phase: "Running",
      containerStatuses: [{ name: "app", state: { waiting: { reason: "CrashLoopBackOff" } } }],
    };
    expect(computeHealth(pod(crashing))).toEqual({
      state: "Failed",
      message: "containers crash-looping: app (CrashLoopBackOff)",
    });
    expect(computeHealth(pod({ phase: "Running", conditions: [cond("Ready", "False")] })).state).toBe(
      "InProgress",
    );
    const pulling = {
      phase: "Pending",
      containerStatuses: [{ name: "app", state: { waiting: { reason: "ImagePullBackOff" } } }],
    };
    expect(computeHealth(pod(pulling))).toEqual({
      state: "InProgress",
      message: "Pod is pending: app (ImagePullBackOff)",
    });
    const unschedulable = {
      phase: "Pending",
      conditions: [cond("PodScheduled", "False", "Unschedulable", "0/3 nodes are available")],
    };
    expect(computeHealth(pod(unschedulable)).message).toBe(
      "Pod not scheduled: Unschedulable: 0/3 nodes are available",
    );
    expect(computeHealth(pod({})).state).toBe("InProgress");
  });

  it("PersistentVolumeClaim: Bound", () => {
    const pvc = (phase?: string) => ({
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      metadata: { name: "data" },
      status: phase ? { phase } : {},
    });
    expect(computeHealth(pvc("Bound")).state).toBe("Current");
    expect(computeHealth(pvc("Pending"))).toEqual({
      state: "InProgress",
      message: "PersistentVolumeClaim is not bound (phase Pending)",
    });
    expect(computeHealth(pvc()).state).toBe("InProgress");
  });

  it("Service: a LoadBalancer needs an ingress address, other types are Current", () => {
    const svc = (type: string, status: Json = {}) => ({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "s" },
      spec: { type },
      status,
    });
    expect(computeHealth(svc("ClusterIP")).state).toBe("Current");
    expect(computeHealth(svc("LoadBalancer", { loadBalancer: {} }))).toEqual({
      state: "InProgress",
      message: "LoadBalancer has no ingress address yet",
    });
    expect(
      computeHealth(svc("LoadBalancer", { loadBalancer: { ingress: [{ ip: "10.0.0.9" }] } })).state,
    ).toBe("Current");
    expect(
      computeHealth(svc("LoadBalancer", { loadBalancer: { ingress: [{ hostname: "lb.example.com" }] } }))
        .state,
    ).toBe("Current");
  });

  it("CustomResourceDefinition: Established, or Failed when names are rejected", () => {
    const crd = (...conditions: unknown[]) => ({
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: "w" },
      status: { conditions },
    });
    expect(computeHealth(crd(cond("NamesAccepted", "True"), cond("Established", "True"))).state).toBe(
      "Current",
    );
    expect(computeHealth(crd(cond("Established", "False", "Installing"))).state).toBe("InProgress");
    expect(computeHealth(crd(cond("NamesAccepted", "False", "MultipleNameConflict", "conflict"))).state).toBe(
      "Failed",
    );
  });
});
