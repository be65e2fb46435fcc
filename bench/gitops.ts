import { createHmac, randomUUID } from "node:crypto";
import { mkdir, mkdtemp, realpath, rm, writeFile } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { AppsV1Api, CoreV1Api, KubeConfig, NetworkingV1Api } from "@kubernetes/client-node";
import { applyObjects } from "../shared/apply/apply-objects.ts";
import { ClusterClient } from "../shared/apply/cluster-client.ts";
import { ROOT_NAME, ROOT_NAMESPACE } from "../shared/control/root-config.ts";
import type { Logger } from "../shared/reconcile/logger.ts";
import { runKustomize } from "../shared/render/kustomize-exec.ts";
import { parseManifests } from "../shared/render/manifests.ts";
import { type KustomizeOverlay, overlayFromSpec } from "../shared/render/overlay.ts";
import { renderKustomization } from "../shared/render/render-kustomization.ts";
import { type LocalRuntime, startLocalRuntime } from "../shared/runtime/local-runtime.ts";
import { TOOL_ENV, type Tools } from "../shared/runtime/tools.ts";
import { packTarball } from "../shared/sources/artifact/tarball.ts";
import { readTarball } from "../shared/sources/artifact/untar.ts";
import { memoryFile } from "../shared/sources/source-file.ts";
import type { EnvInfo } from "../test/env/environment.ts";
import { createBareRepo } from "../test/env/git-server.ts";
import { gitCli } from "./git-cli.ts";
import { runJsonChild } from "./json-child.ts";
import { duration, type Figure, median, percentile, round } from "./results.ts";

/** The root Kustomization's path in both repositories; everything it renders is configuration. */
const CLUSTER_PATH = "clusters/bench";
const WEBHOOK_SECRET = "webhook-token";
const RECEIVER = "github-push";
const APPS = "apps";
/** `npm start`'s worker concurrency. */
const DEFAULT_CONCURRENCY = 4;
const ROOT_REVISION = (commit: string) => `main@sha1:${commit}`;

// ---------------------------------------------------------------------------------------------
// Git: a working copy committed with the git CLI and pushed straight into the served bare repo.

interface BenchRepo {
  readonly url: string;
  write(files: Readonly<Record<string, string>>): Promise<void>;
  /** Commits everything written so far; returns the commit id. */
  commit(message: string): Promise<string>;
  push(): Promise<void>;
}

async function benchRepo(env: EnvInfo, name: string, work: string): Promise<BenchRepo> {
  const bare = await createBareRepo(env.git.root, name);
  const dir = join(work, name);
  await mkdir(dir, { recursive: true });
  await gitCli(dir, ["init", "--quiet", "--initial-branch=main"]);
  return {
    url: `${env.git.url}/${name}.git`,
    async write(files) {
      for (const [path, content] of Object.entries(files)) {
        await mkdir(join(dir, path, ".."), { recursive: true });
        await writeFile(join(dir, path), content);
      }
    },
    async commit(message) {
      await gitCli(dir, ["add", "--all"]);
      await gitCli(dir, ["commit", "--quiet", "-m", message]);
      return gitCli(dir, ["rev-parse", "HEAD"]);
    },
    async push() {
      await gitCli(dir, ["push", "--quiet", "--force", bare, "main"]);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Manifests.

function kustomization(name: string, path: string, extra = ""): string {
  return `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: ${name}
  namespace: ${ROOT_NAMESPACE}
spec:
  interval: 1h
  path: ./${path}
  prune: true
  sourceRef:
    kind: GitRepository
    name: ${ROOT_NAME}
${extra}`;
}

function namespace(name: string): string {
  return `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n`;
}

function configMap(ns: string, i: number, revision: number): string {
  return `apiVersion: v1
kind: ConfigMap
metadata:
  name: cm-${i}
  namespace: ${ns}
data:
  revision: "${revision}"
  text: ${"lorem ipsum ".repeat(8).trim()}
`;
}

/** The push-to-live repository: a Receiver and an `apps` Kustomization over `n` ConfigMaps. */
function pushRepository(ns: string, n: number): Record<string, string> {
  const files: Record<string, string> = {
    [`${CLUSTER_PATH}/receiver.yaml`]: `apiVersion: notification.toolkit.fluxcd.io/v1
kind: Receiver
metadata:
  name: ${RECEIVER}
  namespace: ${ROOT_NAMESPACE}
spec:
  type: github
  events: ["push"]
  secretRef:
    name: ${WEBHOOK_SECRET}
  resources:
    - apiVersion: source.toolkit.fluxcd.io/v1
      kind: GitRepository
      name: ${ROOT_NAME}
`,
    [`${CLUSTER_PATH}/apps.yaml`]: kustomization(APPS, APPS),
    [`${APPS}/namespace.yaml`]: namespace(ns),
  };
  for (let i = 0; i < n; i++) files[`${APPS}/cm-${i}.yaml`] = configMap(ns, i, 0);
  return files;
}

/** One app of Flux's MTTP benchmark: a Deployment scaled to zero, a ServiceAccount, a Service and an Ingress. */
function appFiles(i: number): Record<string, string> {
  const name = `app-${i}`;
  const dir = `${APPS}/${name}`;
  return {
    [`${dir}/deployment.yaml`]: `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  labels: { app: ${name} }
spec:
  replicas: 0
  selector:
    matchLabels: { app: ${name} }
  template:
    metadata:
      labels: { app: ${name} }
    spec:
      serviceAccountName: ${name}
      containers:
        - name: podinfo
          image: ghcr.io/stefanprodan/podinfo:6.7.1
          ports: [{ name: http, containerPort: 9898 }]
          resources:
            requests: { cpu: 10m, memory: 32Mi }
`,
    [`${dir}/serviceaccount.yaml`]: `apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: ${name}\n`,
    // Headless: the test API server's service range is a /24, too small for 500 cluster IPs.
    [`${dir}/service.yaml`]: `apiVersion: v1
kind: Service
metadata:
  name: ${name}
spec:
  clusterIP: None
  selector: { app: ${name} }
  ports: [{ name: http, port: 80, targetPort: http }]
`,
    [`${dir}/ingress.yaml`]: `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: ${name}
spec:
  rules:
    - host: ${name}.bench.example
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service: { name: ${name}, port: { name: http } }
`,
  };
}

/** Flux's benchmark shape: N Kustomizations at the root, each over its own app folder. */
function mttpRepository(ns: string, n: number): Record<string, string> {
  const files: Record<string, string> = { [`${CLUSTER_PATH}/namespace.yaml`]: namespace(ns) };
  for (let i = 0; i < n; i++) {
    files[`${CLUSTER_PATH}/app-${i}.yaml`] = kustomization(
      `app-${i}`,
      `${APPS}/app-${i}`,
      `  targetNamespace: ${ns}\n`,
    );
    Object.assign(files, appFiles(i));
  }
  return files;
}

// ---------------------------------------------------------------------------------------------
// The runtime, seen from outside: its HTTP API.

interface ObjectView {
  readonly name: string;
  readonly status: {
    readonly conditions?: readonly { type: string; status: string; lastTransitionTime: string }[];
    readonly lastAppliedRevision?: string;
    readonly webhookPath?: string;
  };
}

async function getJson<T>(url: string): Promise<T | undefined> {
  const response = await fetch(url);
  if (response.status === 404) return undefined;
  if (!response.ok) throw new Error(`GET ${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

function readyCondition(view: ObjectView | undefined) {
  return view?.status.conditions?.find((c) => c.type === "Ready" && c.status === "True");
}

const getObject = (runtime: LocalRuntime, kind: string, name: string) =>
  getJson<ObjectView>(`${runtime.url}/v1/objects/${kind}/${ROOT_NAMESPACE}/${name}`);

async function waitUntil<T>(
  what: string,
  timeoutMs: number,
  intervalMs: number,
  probe: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (performance.now() > deadline)
      throw new Error(`timed out after ${duration(timeoutMs)} waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** Both Kustomizations have applied `revision`: the chain has settled. */
async function appliedEverywhere(runtime: LocalRuntime, revision: string): Promise<true | undefined> {
  for (const name of [APPS, ROOT_NAME]) {
    const view = await getObject(runtime, "Kustomization", name);
    if (!readyCondition(view) || view?.status.lastAppliedRevision !== revision) return undefined;
  }
  return true;
}

/** kubectl and helm for the runtime's renderers: the environment's, not a fresh unzip per data dir. */
function useTools(tools: Tools): () => void {
  const saved = { kubectl: process.env[TOOL_ENV.kubectl], helm: process.env[TOOL_ENV.helm] };
  process.env[TOOL_ENV.kubectl] = tools.kubectl;
  process.env[TOOL_ENV.helm] = tools.helm;
  return () => {
    for (const tool of ["kubectl", "helm"] as const) {
      if (saved[tool] === undefined) delete process.env[TOOL_ENV[tool]];
      else process.env[TOOL_ENV[tool]] = saved[tool];
    }
  };
}

async function writeWebhookSecret(dataDir: string, token: string): Promise<void> {
  const dir = join(dataDir, "secrets", ROOT_NAMESPACE);
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, `${WEBHOOK_SECRET}.yaml`),
    `apiVersion: v1\nkind: Secret\nmetadata:\n  name: ${WEBHOOK_SECRET}\n  namespace: ${ROOT_NAMESPACE}\n` +
      `data:\n  token: ${Buffer.from(token).toString("base64")}\n`,
  );
}

// ---------------------------------------------------------------------------------------------
// Cleanup: the test API server runs no namespace controller, so the objects are deleted here and
// the namespace is finalized by hand, as that controller would.

async function removeNamespace(kc: KubeConfig, ns: string): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  const networking = kc.makeApiClient(NetworkingV1Api);
  await Promise.all([
    core.deleteCollectionNamespacedConfigMap({ namespace: ns }),
    core.deleteCollectionNamespacedService({ namespace: ns }),
    core.deleteCollectionNamespacedServiceAccount({ namespace: ns }),
    apps.deleteCollectionNamespacedDeployment({ namespace: ns }),
    networking.deleteCollectionNamespacedIngress({ namespace: ns }),
  ]);
  await core.deleteNamespace({ name: ns }).catch(() => undefined);
  const left = await core.readNamespace({ name: ns }).catch(() => undefined);
  if (left)
    await core
      .replaceNamespaceFinalize({ name: ns, body: { ...left, spec: { finalizers: [] } } })
      .catch(() => undefined);
}

// ---------------------------------------------------------------------------------------------
// 1. Push to live.

interface PushRun {
  readonly fromWebhookMs: number[];
  readonly fromPushMs: number[];
  readonly pushMs: number[];
  /** From the event log (stamped when a run starts): webhook sent → GitRepository run starts. */
  readonly queuedMs: number[];
  /** GitRepository run starts → `apps` run starts: fetch, artifact, ArtifactUpdated, pick-up. */
  readonly fetchMs: number[];
  /** `apps` run starts → change seen: render, apply, and up to one 50 ms poll. */
  readonly syncMs: number[];
}

interface LoggedEvent {
  readonly revision: string | null;
  readonly timestamp: number;
}

/**
 * When the run of an object that took up `revision` started: events carry their run's start
 * time, and the first run to see a revision is the one with news about it, whatever its reasons.
 */
async function runStartedAt(runtime: LocalRuntime, kind: string, name: string, revision: string) {
  const object = `${kind}/${ROOT_NAMESPACE}/${name}`;
  const since = new Date(Date.now() - 10 * 60_000).toISOString();
  const list = await getJson<{ items: LoggedEvent[] }>(
    `${runtime.url}/v1/events?object=${object}&since=${since}&limit=1000`,
  );
  const event = list?.items.find((e) => e.revision === revision);
  if (!event) throw new Error(`no event of ${object} for ${revision}`);
  return event.timestamp;
}

/**
 * After the first sync, `changes` times: one ConfigMap changed in Git, pushed, a signed GitHub
 * push webhook posted, and the API server polled until the change shows. The scheduler's tick
 * is short but the root GitRepository's interval is a minute, so what moves the change is the
 * event chain: webhook → GitRepository → ArtifactUpdated → Kustomizations.
 */
async function pushToLive(env: EnvInfo, kc: KubeConfig, n: number, changes: number, work: string) {
  const id = randomUUID().slice(0, 8);
  const ns = `push-${n}-${id}`;
  const repo = await benchRepo(env, `bench/gitops-push-${n}-${id}`, work);
  await repo.write(pushRepository(ns, n));
  let commit = await repo.commit("first");
  await repo.push();

  const dataDir = await mkdtemp(join(work, "data-push-"));
  const token = randomUUID();
  await writeWebhookSecret(dataDir, token);
  const runtime = await startLocalRuntime({
    dataDir,
    port: 0,
    tickMs: 200,
    kubeconfig: env.kube.kubeconfig,
    root: { url: repo.url, path: `./${CLUSTER_PATH}` },
  });
  const core = kc.makeApiClient(CoreV1Api);
  const run: PushRun = {
    fromWebhookMs: [],
    fromPushMs: [],
    pushMs: [],
    queuedMs: [],
    fetchMs: [],
    syncMs: [],
  };
  try {
    await waitUntil("the first sync", 120_000, 100, () => appliedEverywhere(runtime, ROOT_REVISION(commit)));
    const hook = await waitUntil("the Receiver's webhook path", 30_000, 100, async () => {
      const receiver = await getObject(runtime, "Receiver", RECEIVER);
      return readyCondition(receiver) ? receiver?.status.webhookPath : undefined;
    });
    for (let change = 1; change <= changes; change++) {
      const target = `cm-${change % n}`;
      await repo.write({ [`${APPS}/${target}.yaml`]: configMap(ns, change % n, change) });
      commit = await repo.commit(`change ${change}`);
      const body = Buffer.from(
        JSON.stringify({
          ref: "refs/heads/main",
          after: commit,
          repository: { clone_url: repo.url, full_name: `bench/${id}` },
        }),
      );

      const beforePush = performance.now();
      await repo.push();
      const pushed = performance.now();
      const sentAt = Date.now();
      const response = await fetch(`${runtime.url}${hook}`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-github-event": "push",
          "x-github-delivery": randomUUID(),
          "x-hub-signature-256": `sha256=${createHmac("sha256", token).update(body).digest("hex")}`,
        },
        body,
      });
      const accepted = performance.now();
      if (response.status !== 202)
        throw new Error(`webhook answered ${response.status}: ${await response.text()}`);
      await waitUntil(`${target} at revision ${change}`, 60_000, 50, async () => {
        const cm = await core.readNamespacedConfigMap({ name: target, namespace: ns }).catch(() => undefined);
        return cm?.data?.revision === String(change) ? true : undefined;
      });
      const live = performance.now();
      const liveAt = Date.now();
      run.fromWebhookMs.push(live - accepted);
      run.fromPushMs.push(live - beforePush);
      run.pushMs.push(pushed - beforePush);
      // Let the root Kustomization finish too, so one change never overlaps the next.
      await waitUntil("the chain to settle", 60_000, 50, () =>
        appliedEverywhere(runtime, ROOT_REVISION(commit)),
      );
      const revision = ROOT_REVISION(commit);
      const fetchedAt = await runStartedAt(runtime, "GitRepository", ROOT_NAME, revision);
      const syncedAt = await runStartedAt(runtime, "Kustomization", APPS, revision);
      run.queuedMs.push(fetchedAt - sentAt);
      run.fetchMs.push(syncedAt - fetchedAt);
      run.syncMs.push(liveAt - syncedAt);
    }
  } finally {
    await runtime.stop();
    await rm(dataDir, { recursive: true, force: true });
    await removeNamespace(kc, ns);
  }
  return run;
}

function pushFigures(n: number, run: PushRun): Figure[] {
  const changes = run.fromWebhookMs.length;
  const common = `${changes} changes of one ConfigMap among ${n}, API server polled every 50 ms`;
  return [
    {
      name: `gitops.push-to-live.${n}.from-webhook.p50`,
      value: round(median(run.fromWebhookMs), 1),
      unit: "ms",
      detail: `webhook 202 → change visible in the API server; median of ${common}; medians by stage: webhook sent to GitRepository run start ${duration(median(run.queuedMs))}, GitRepository run to apps run start ${duration(median(run.fetchMs))}, apps run start to visible ${duration(median(run.syncMs))} (event timestamps, ms clock)`,
    },
    {
      name: `gitops.push-to-live.${n}.from-webhook.p95`,
      value: round(percentile(run.fromWebhookMs, 95), 1),
      unit: "ms",
      detail: `p95 of the same ${changes}; max ${duration(Math.max(...run.fromWebhookMs))}`,
    },
    {
      name: `gitops.push-to-live.${n}.from-push.p50`,
      value: round(median(run.fromPushMs), 1),
      unit: "ms",
      detail: `just before git push → change visible (push ${duration(median(run.pushMs))}, then the webhook); median of ${changes}`,
    },
    {
      name: `gitops.push-to-live.${n}.from-push.p95`,
      value: round(percentile(run.fromPushMs, 95), 1),
      unit: "ms",
      detail: `p95 of the same ${changes}`,
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// 2. Mean time to production, in a process of its own so its peak memory is its own.

interface MttpInput {
  readonly n: number;
  readonly url: string;
  readonly revision: string;
  readonly kubeconfig: string;
  readonly tools: Tools;
  readonly workDir: string;
  readonly budgetMs: number;
  readonly concurrency?: number;
}

interface MttpReport {
  readonly n: number;
  readonly complete: boolean;
  /** Registering the root → the last Kustomization Ready (or the budget, when not complete). */
  readonly ms: number;
  /** Registering the root → the root Kustomization Ready (it registers the N Kustomizations); null if never. */
  readonly rootMs: number | null;
  /** Registering the root → the first app Kustomization Ready; null if none was. */
  readonly firstMs: number | null;
  readonly ready: number;
  readonly concurrency: number;
  readonly maxRssMiB: number;
  readonly baselineRssMiB: number;
  /** Runs the worker finished, by kind, and how many of those ended not Ready. */
  readonly runs: Readonly<Record<string, { total: number; notReady: number }>>;
}

function countingLogger(runs: Record<string, { total: number; notReady: number }>): Logger {
  return {
    info(message, ...extra) {
      if (message !== "reconciled") return;
      const fields = Object.assign({}, ...extra) as { object?: string; ready?: boolean };
      const kind = fields.object?.split("/")[0] ?? "?";
      const entry = runs[kind] ?? { total: 0, notReady: 0 };
      runs[kind] = entry;
      entry.total++;
      if (fields.ready === false) entry.notReady++;
    },
    warn() {},
    error(message, ...extra) {
      console.error(`bench: runtime error: ${message} ${JSON.stringify(Object.assign({}, ...extra))}`);
    },
  };
}

async function mttpChild(input: MttpInput): Promise<MttpReport> {
  const baselineRssMiB = process.resourceUsage().maxRSS / 1024;
  const dataDir = await mkdtemp(join(input.workDir, `data-mttp-${input.n}-`));
  const restoreTools = useTools(input.tools);
  const runs: Record<string, { total: number; notReady: number }> = {};
  const began = Date.now();
  const runtime = await startLocalRuntime({
    dataDir,
    port: 0,
    kubeconfig: input.kubeconfig,
    logger: countingLogger(runs),
    root: { url: input.url, path: `./${CLUSTER_PATH}` },
    concurrency: input.concurrency ?? DEFAULT_CONCURRENCY,
  });
  const deadline = began + input.budgetMs;
  let views: ObjectView[] = [];
  let lastProgress = began;
  try {
    for (;;) {
      const list = await getJson<{ items: ObjectView[] }>(
        `${runtime.url}/v1/objects?kind=Kustomization&namespace=${ROOT_NAMESPACE}`,
      );
      views = list?.items ?? [];
      const apps = views.filter((v) => v.name !== ROOT_NAME);
      const done = apps.filter((v) => readyCondition(v) && v.status.lastAppliedRevision === input.revision);
      if (done.length === input.n || Date.now() > deadline) break;
      if (Date.now() - lastProgress > 30_000) {
        lastProgress = Date.now();
        console.error(
          `bench: mttp ${input.n}: ${done.length}/${input.n} Ready after ${duration(Date.now() - began)}`,
        );
      }
      // Listing N objects costs this process too: look less often the more there are.
      await sleep(Math.max(1_000, input.n * 2));
    }
  } finally {
    await runtime.stop();
    restoreTools();
    await rm(dataDir, { recursive: true, force: true });
  }
  // The Ready transition is stamped when the run ends, so it dates completion to the millisecond.
  const readyAt = (v: ObjectView) => {
    const ready = readyCondition(v);
    return ready && v.status.lastAppliedRevision === input.revision
      ? Date.parse(ready.lastTransitionTime) - began
      : undefined;
  };
  const appTimes = views
    .filter((v) => v.name !== ROOT_NAME)
    .map(readyAt)
    .filter((t): t is number => t !== undefined);
  const root = views.find((v) => v.name === ROOT_NAME);
  const complete = appTimes.length === input.n;
  return {
    n: input.n,
    complete,
    ms: complete ? Math.max(...appTimes) : input.budgetMs,
    rootMs: (root && readyAt(root)) ?? null,
    firstMs: appTimes.length > 0 ? Math.min(...appTimes) : null,
    ready: appTimes.length,
    concurrency: input.concurrency ?? DEFAULT_CONCURRENCY,
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
    baselineRssMiB,
    runs,
  };
}

/** Set SLUICE_BENCH_CPU_PROF to a folder to get a V8 CPU profile of each MTTP run there. */
const CPU_PROF_ENV = "SLUICE_BENCH_CPU_PROF";

function runMttpChild(input: MttpInput): Promise<MttpReport> {
  const profile = process.env[CPU_PROF_ENV];
  const args = [
    ...(profile
      ? ["--cpu-prof", `--cpu-prof-dir=${profile}`, `--cpu-prof-name=mttp-${input.n}.cpuprofile`]
      : []),
    fileURLToPath(import.meta.url),
    "mttp-child",
    JSON.stringify(input),
  ];
  return runJsonChild<MttpReport>(args, "mttp child");
}

async function mttp(env: EnvInfo, kc: KubeConfig, n: number, budgetMs: number, work: string) {
  const id = randomUUID().slice(0, 8);
  const ns = `mttp-${n}-${id}`;
  const repo = await benchRepo(env, `bench/gitops-mttp-${n}-${id}`, work);
  await repo.write(mttpRepository(ns, n));
  const commit = await repo.commit(`${n} apps`);
  await repo.push();
  try {
    return await runMttpChild({
      n,
      url: repo.url,
      revision: ROOT_REVISION(commit),
      kubeconfig: env.kube.kubeconfig,
      tools: env.tools,
      workDir: work,
      budgetMs,
    });
  } finally {
    await removeNamespace(kc, ns);
  }
}

const FLUX_V29 = new Map([
  [100, "26 s"],
  [500, "2 min"],
  [1_000, "4 min 13 s"],
]);

const when = (ms: number | null) => (ms === null ? "never" : duration(ms));

function mttpFigures(report: MttpReport): Figure[] {
  const { n } = report;
  const runs = Object.entries(report.runs)
    .map(([kind, r]) => `${kind} ${r.total}${r.notReady > 0 ? ` (${r.notReady} not Ready)` : ""}`)
    .join(", ");
  const flux = FLUX_V29.has(n) ? `; Flux v2.9 on a 16-core runner: ${FLUX_V29.get(n)}` : "";
  const time = report.complete
    ? `registering the root → all ${n} Kustomizations Ready (root Ready at ${when(report.rootMs)}, first app at ${when(report.firstMs)}); runs: ${runs}${flux}`
    : `PARTIAL: stopped at the ${duration(report.ms)} budget with ${report.ready} of ${n} Ready (root Ready at ${when(report.rootMs)}); runs: ${runs}${flux}`;
  return [
    {
      name: `gitops.mttp.${n}.time`,
      value: round(report.ms / 1000, 1),
      unit: "s",
      detail: `${time}; 4 objects per app (Deployment at 0 replicas, ServiceAccount, headless Service, Ingress), no wait; local runtime, concurrency ${report.concurrency}, ${availableParallelism()} cores`,
    },
    {
      name: `gitops.mttp.${n}.peak-rss`,
      value: round(report.maxRssMiB),
      unit: "MiB",
      detail: `peak RSS of the sluice process (${round(report.baselineRssMiB)} MiB at its start); kubectl kustomize children not counted`,
    },
    ...(report.complete
      ? []
      : [
          {
            name: `gitops.mttp.${n}.ready`,
            value: report.ready,
            unit: "objects",
            detail: "Ready within the budget",
          },
        ]),
  ];
}

// ---------------------------------------------------------------------------------------------
// 3. Where one app's run goes, on the N-app artifact: what every Kustomization of the MTTP run
// pays, through the engine's own functions, so the split follows the engine as it changes.

const PHASE_RUNS = 5;
const MAX_BYTES = 256 * 1024 * 1024;

/** Each phase's times over the runs; `kustomize` is part of `render`, timed again on its own. */
interface Phases {
  /** Unpacking the artifact: once per revision and process when the runtime's files cache holds it. */
  untar: number[];
  /** renderKustomization: the files it needs written, the tree checked, kustomize run, parsed. */
  render: number[];
  /** `kubectl kustomize` alone on the tree render left: the process spawn and the build. */
  kustomize: number[];
  /** Removing the render's scratch folder. */
  cleanup: number[];
  /** Server-side dry-run and apply of what was rendered. */
  apply: number[];
}

async function timedStep<T>(into: number[], step: () => Promise<T>): Promise<T> {
  const began = performance.now();
  const value = await step();
  into.push(performance.now() - began);
  return value;
}

interface PhaseInput {
  /** The repository's files; `ns` is the namespace its objects land in. */
  readonly files: Readonly<Record<string, string>>;
  readonly ns: string;
  /** The Kustomization's spec.path of each run. */
  readonly pathOf: (run: number) => string;
  readonly overlay: KustomizeOverlay;
}

async function runPhases(env: EnvInfo, kc: KubeConfig, work: string, input: PhaseInput): Promise<Phases> {
  const files = Object.entries(input.files).map(([path, text]) => memoryFile(path, text));
  const tarball = await packTarball(files, { maxBytes: MAX_BYTES });
  const phases: Phases = { untar: [], render: [], kustomize: [], cleanup: [], apply: [] };
  const client = new ClusterClient(kc);
  const signal = new AbortController().signal;
  try {
    await applyObjects(client, parseManifests(namespace(input.ns), "namespace"), { force: false, signal });
    for (let run = 0; run < PHASE_RUNS; run++) {
      const path = input.pathOf(run);
      const unpacked = await timedStep(phases.untar, () =>
        readTarball(tarball.bytes, { maxBytes: MAX_BYTES }),
      );
      const workDir = await mkdtemp(join(work, "phases-"));
      const objects = await timedStep(phases.render, () =>
        renderKustomization({
          files: unpacked,
          path,
          overlay: input.overlay,
          kubectl: env.tools.kubectl,
          workDir,
          signal,
          maxBytes: MAX_BYTES,
        }),
      );
      // render leaves its tree, generated kustomization included, for the caller to remove.
      const root = await realpath(join(workDir, "source"));
      await timedStep(phases.kustomize, () =>
        runKustomize({
          kubectl: env.tools.kubectl,
          dir: join(root, path),
          root,
          signal,
          maxBytes: MAX_BYTES,
        }),
      );
      await timedStep(phases.cleanup, () => rm(workDir, { recursive: true, force: true }));
      await timedStep(phases.apply, () => applyObjects(client, objects, { force: false, signal }));
    }
  } finally {
    client.close();
    await removeNamespace(kc, input.ns);
  }
  return phases;
}

/** One app Kustomization of the MTTP repository: each run builds and creates another app. */
function mttpPhases(env: EnvInfo, kc: KubeConfig, n: number, work: string): Promise<Phases> {
  const ns = `phases-${n}-${randomUUID().slice(0, 8)}`;
  return runPhases(env, kc, work, {
    files: mttpRepository(ns, n),
    ns,
    pathOf: (run) => `${APPS}/app-${run}`,
    overlay: overlayFromSpec({ targetNamespace: ns }),
  });
}

/** The `apps` Kustomization of the push-to-live repository: created once, then unchanged. */
function pushPhases(env: EnvInfo, kc: KubeConfig, n: number, work: string): Promise<Phases> {
  const ns = `phases-push-${n}-${randomUUID().slice(0, 8)}`;
  return runPhases(env, kc, work, {
    files: pushRepository(ns, n),
    ns,
    pathOf: () => APPS,
    overlay: overlayFromSpec({}),
  });
}

function phaseFigures(prefix: string, what: string, phases: Phases): Figure[] {
  const medians = Object.entries(phases).map(([phase, xs]) => [phase, median(xs)] as const);
  // kustomize is inside render already.
  const total = medians.reduce((sum, [phase, ms]) => (phase === "kustomize" ? sum : sum + ms), 0);
  return medians.map(([phase, ms]) => ({
    name: `${prefix}.${phase}`,
    value: round(ms, 1),
    unit: "ms",
    detail: `median of ${PHASE_RUNS}; ${round((100 * ms) / total, 1)}% of the ${duration(total)} untar + render + cleanup + apply take in one run${phase === "kustomize" ? " (part of render)" : ""} (${what})`,
  }));
}

// ---------------------------------------------------------------------------------------------

export interface GitopsOptions {
  /** ConfigMaps under the `apps` Kustomization in the push-to-live runs. @default [10, 100] */
  readonly pushSizes?: readonly number[];
  /** Pushes per size. @default 20 */
  readonly changes?: number;
  /** Apps in the mean-time-to-production runs. @default [100, 500, 1000] */
  readonly mttpSizes?: readonly number[];
  /**
   * A mean-time-to-production run stops here and reports what it reached.
   * @default 15 min for 1,000 apps and more, 30 min below (so 500 apps can finish on 2 cores)
   */
  readonly budgetMs?: number;
}

/**
 * GitOps end to end on the local runtime against the real servers: how long a push takes to go
 * live through a GitHub webhook, and Flux's mean-time-to-production benchmark (N apps, each its
 * own Kustomization, committed at once). Namespaces are unique per run; their objects are deleted
 * and the namespace finalized afterwards.
 */
export async function gitopsFigures(env: EnvInfo, options: GitopsOptions = {}): Promise<Figure[]> {
  const kc = new KubeConfig();
  kc.loadFromFile(env.kube.kubeconfig);
  const work = await mkdtemp(join(tmpdir(), "sluice-bench-gitops-"));
  const figures: Figure[] = [];
  const restoreTools = useTools(env.tools);
  try {
    for (const n of options.pushSizes ?? [10, 100]) {
      console.error(`bench: gitops push to live, ${n} objects`);
      figures.push(...pushFigures(n, await pushToLive(env, kc, n, options.changes ?? 20, work)));
      figures.push(
        ...phaseFigures(
          `gitops.push-to-live.${n}.apps-run`,
          `the apps Kustomization over ${n + 1} objects, ${n + 3} files; unchanged after the first`,
          await pushPhases(env, kc, n, work),
        ),
      );
    }
    for (const n of options.mttpSizes ?? [100, 500, 1_000]) {
      console.error(`bench: gitops mean time to production, ${n} apps`);
      figures.push(
        ...phaseFigures(
          `gitops.mttp.${n}.per-app`,
          `one app on the artifact of ${n} apps, ${5 * n + 1} files; created`,
          await mttpPhases(env, kc, n, work),
        ),
      );
      const budgetMs = options.budgetMs ?? (n >= 1_000 ? 15 : 30) * 60_000;
      figures.push(...mttpFigures(await mttp(env, kc, n, budgetMs, work)));
    }
  } finally {
    restoreTools();
    await rm(work, { recursive: true, force: true });
  }
  return figures;
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === "mttp-child") {
  const report = await mttpChild(JSON.parse(process.argv[3] as string) as MttpInput);
  // Exit once written: a lingering keep-alive socket must not hold the parent's wait.
  process.stdout.write(JSON.stringify(report), () => process.exit(0));
}
