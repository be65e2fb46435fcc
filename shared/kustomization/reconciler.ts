import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseDuration } from "../api/duration.ts";
import { optionalString } from "../api/spec-fields.ts";
import type { AgentPool } from "../apply/agent-pool.ts";
import { applyObjects } from "../apply/apply-objects.ts";
import { type ChangeSetEntry, isChange, summarize } from "../apply/change-set.ts";
import { describeHealthFailures, waitForHealthy } from "../apply/health-wait.ts";
import { type InventoryEntry, inventoryOf, refFromInventory } from "../apply/inventory.ts";
import { pruneObjects } from "../apply/prune.ts";
import { waitForTermination } from "../apply/termination-wait.ts";
import type { CommandDeps } from "../control/commands.ts";
import type { ClusterConnector, StoredObject } from "../ports/index.ts";
import {
  ReconcileError,
  type ReconcileInput,
  type ReconcileResult,
  type Reconciler,
} from "../reconcile/reconciler.ts";
import { SUCCEEDED } from "../reconcile/status.ts";
import type { KubeObject } from "../render/kube-object.ts";
import { overlayFromSpec } from "../render/overlay.ts";
import { resolvePostBuildVariables, substituteVariables } from "../render/post-build.ts";
import { renderKustomization } from "../render/render-kustomization.ts";
import type { Tools } from "../runtime/tools.ts";
import { limitsOf, type SourceDeps } from "../sources/source-deps.ts";
import { readSourceFiles, resolveSource } from "../sources/source-ref.ts";
import { clusterVariables } from "./cluster-variables.ts";
import { checkDependencies } from "./depends-on.ts";
import { pruneStale } from "./prune-stale.ts";
import { registerToolkitObjects } from "./register-toolkit.ts";
import { type KustomizationSpec, readKustomizationSpec } from "./spec.ts";
import { TargetSession } from "./target-session.ts";
import { kustomizationHealth } from "./toolkit-health.ts";
import { type RenderedParts, splitRendered } from "./toolkit-objects.ts";

/** The queue and clock register toolkit objects as the API would (CommandDeps). */
export interface KustomizationDeps extends SourceDeps, CommandDeps {
  readonly clusters: ClusterConnector;
  /** kubectl, whose built-in kustomize renders: the Lambda layer's binary, found on first use. */
  readonly tools: () => Promise<Tools>;
  /** Connections to API servers kept across runs of this process. */
  readonly agents?: AgentPool;
}

const DEFAULT_TIMEOUT_MS = 5 * 60_000;
/** Left between the end of a health wait and the run's deadline, to report and write status. */
const REPORT_MARGIN_MS = 2_000;

/** Flux's owner labels: they say which Kustomization applied an object, and guard prune. */
function ownerLabels(object: StoredObject): Record<string, string> {
  return {
    "kustomize.toolkit.fluxcd.io/name": object.key.name,
    "kustomize.toolkit.fluxcd.io/namespace": object.key.namespace,
  };
}

function withLabels(objects: readonly KubeObject[], labels: Readonly<Record<string, string>>): KubeObject[] {
  return objects.map((o) => ({
    ...o,
    metadata: { ...o.metadata, labels: { ...o.metadata.labels, ...labels } },
  }));
}

function previousInventory(object: StoredObject): InventoryEntry[] {
  const inventory = object.status?.inventory as { entries?: InventoryEntry[] } | undefined;
  return Array.isArray(inventory?.entries) ? inventory.entries : [];
}

/** Runs `body` with a scratch folder that is removed whatever happens. */
async function withWorkDir<T>(body: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), "sluice-render-"));
  try {
    return await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Flux's Kustomization (kustomize.toolkit.fluxcd.io/v1): render `spec.path` of the source's
 * artifact, validate all of it with a server-side dry-run, apply what drifted in stages, prune
 * what left, then wait for health. Every run compares the live objects, so a hand edit is put
 * back at the next interval even without a new revision; a run where everything matches writes
 * nothing to the cluster and nothing to the state store.
 */
export class KustomizationReconciler implements Reconciler {
  readonly kind = "Kustomization";
  /** Flux: spec.timeout defaults to the interval. */
  readonly defaultTimeoutMs = (object: StoredObject) => kustomizationTimeoutMs(object);
  readonly #deps: KustomizationDeps;

  constructor(deps: KustomizationDeps) {
    this.#deps = deps;
  }

  async reconcile(input: ReconcileInput): Promise<ReconcileResult> {
    const { object, signal, deadline } = input;
    const startedAt = performance.now();
    const spec = readKustomizationSpec(object);
    await checkDependencies(object, spec.dependsOn, this.#deps.state);
    const { artifact } = await resolveSource(spec.source, this.#deps);
    const revision = artifact.revision;
    try {
      const files = await readSourceFiles(artifact, this.#deps);
      return await this.#sync(object, spec, revision, files, { signal, deadline, startedAt });
    } catch (error) {
      // Whatever failed, the attempt is on record; inventory and lastAppliedRevision stay as they were.
      const attempted = { lastAttemptedRevision: revision };
      if (error instanceof ReconcileError)
        throw new ReconcileError(error.reason, error.message, {
          stalled: error.stalled,
          cause: error,
          status: { ...attempted, ...error.status },
          events: error.events,
        });
      throw new ReconcileError("ReconciliationFailed", (error as Error).message ?? String(error), {
        cause: error,
        status: attempted,
      });
    }
  }

  /**
   * Flux's deletionPolicy when the Kustomization is removed: MirrorPrune deletes what it applied
   * if `prune` is on, Delete always, WaitForTermination always and then waits until the objects
   * are gone (finalizers released) within the timeout, Orphan never. Owner labels guard the
   * deletions, as in prune.
   */
  async finalize({ object, signal, deadline }: ReconcileInput): Promise<void> {
    const inventory = previousInventory(object);
    if (inventory.length === 0) return;
    let spec: KustomizationSpec;
    try {
      spec = readKustomizationSpec(object);
    } catch {
      // A spec that never worked applied nothing this sluice could name; there is nothing to undo.
      return;
    }
    const deletes =
      spec.deletionPolicy === "Delete" ||
      spec.deletionPolicy === "WaitForTermination" ||
      (spec.deletionPolicy === "MirrorPrune" && spec.prune);
    if (!deletes) return;
    const session = this.#session(spec);
    try {
      const client = await session.client();
      const deleted = await pruneObjects(client, inventory, [], { signal, ownerLabels: ownerLabels(object) });
      if (spec.deletionPolicy === "WaitForTermination")
        await waitForTermination(
          client,
          deleted.flatMap((e) => (e.action === "deleted" && e.object ? [e.object] : [])),
          { timeoutMs: reportableWaitMs(object, deadline), signal },
        );
    } finally {
      await session.close();
    }
  }

  #session(spec: KustomizationSpec): TargetSession {
    return new TargetSession({ target: spec.target, impersonate: spec.impersonate, deps: this.#deps });
  }

  async #render(
    object: StoredObject,
    spec: KustomizationSpec,
    files: Awaited<ReturnType<typeof readSourceFiles>>,
    session: TargetSession,
    signal: AbortSignal,
    origins: Map<string, string>,
  ): Promise<KubeObject[]> {
    const rendered = await withWorkDir(async (workDir) =>
      renderKustomization({
        files,
        path: spec.path,
        overlay: overlayFromSpec(object.spec),
        kubectl: (await this.#deps.tools()).kubectl,
        workDir,
        signal,
        maxBytes: limitsOf(this.#deps).maxArtifactBytes,
        origins,
      }),
    );
    const vars = await resolvePostBuildVariables(
      object.spec,
      clusterVariables(() => session.kubeConfig(), object.key.namespace),
    );
    return vars ? substituteVariables(rendered, vars) : rendered;
  }

  async #sync(
    object: StoredObject,
    spec: KustomizationSpec,
    revision: string,
    files: Awaited<ReturnType<typeof readSourceFiles>>,
    run: { signal: AbortSignal; deadline: number | undefined; startedAt: number },
  ): Promise<ReconcileResult> {
    const { signal } = run;
    const session = this.#session(spec);
    const owner = ownerLabels(object);
    const origins = new Map<string, string>();
    let parts: RenderedParts;
    let inventory: InventoryEntry[];
    let changes: ChangeSetEntry[];
    let invalid: string[];
    try {
      const rendered = await this.#render(object, spec, files, session, signal, origins);
      parts = splitRendered(withLabels(rendered, owner));
      inventory = inventoryOf([...parts.cluster, ...parts.toolkit]);
      const applied =
        parts.cluster.length > 0
          ? await applyObjects(await session.client(), parts.cluster, { force: spec.force, signal })
          : [];
      const registered = await registerToolkitObjects(parts.toolkit, this.#deps, {
        ownerLabels: owner,
        origins,
      });
      invalid = registered.failures;
      // Only after a complete apply: a failed or partial run never prunes. Objects that could not
      // be registered are still in the inventory, so what they were stays.
      const pruned = spec.prune
        ? await pruneStale(() => session.client(), this.#deps, previousInventory(object), inventory, {
            signal,
            ownerLabels: owner,
          })
        : [];
      changes = [...applied, ...registered.changes, ...pruned].filter(isChange);
    } finally {
      await session.close();
    }
    const status = {
      inventory: { entries: inventory },
      lastAttemptedRevision: revision,
    };
    const news = [
      ...(changes.length > 0 ? [changeEvent(object, changes, revision)] : []),
      ...installationEvent(object, parts.installation, revision),
    ];
    if (invalid.length > 0)
      throw new ReconcileError(
        "ReconciliationFailed",
        `applied the rest, but these objects are invalid and were not registered: ${invalid.join("; ")}`,
        { status, events: news },
      );
    // With wait, every object it applied or registered: Flux's root waits for its Kustomizations.
    const checks = spec.wait ? inventory.map(refFromInventory) : spec.healthChecks;
    if (checks.length > 0) {
      const timeoutMs = reportableWaitMs(object, run.deadline);
      const read = kustomizationHealth(this.#deps.state, () => session.kubeConfig());
      const report = await waitForHealthy(read, checks, { timeoutMs, signal });
      if (!report.healthy)
        throw new ReconcileError("HealthCheckFailed", `health check ${describeHealthFailures(report)}`, {
          status,
        });
    }
    return {
      message: `Applied revision: ${revision}`,
      status: { ...status, lastAppliedRevision: revision },
      // As Flux: the change set (Progressing), then the run's end, which also wakes dependents.
      events:
        changes.length > 0
          ? [...news, finishedEvent(object, revision, performance.now() - run.startedAt)]
          : news,
    };
  }
}

function finishedEvent(object: StoredObject, revision: string, tookMs: number) {
  const interval = optionalString(object.spec, "interval");
  return {
    type: "Normal" as const,
    reason: SUCCEEDED,
    message: `Reconciliation finished in ${(tookMs / 1000).toFixed(1)}s${interval ? `, next run in ${interval}` : ""}`,
    revision,
  };
}

/**
 * The change set as Flux reports it. When the revision is the one already applied, every change
 * is drift someone made by hand, and the event says so.
 */
function changeEvent(object: StoredObject, changes: readonly ChangeSetEntry[], revision: string) {
  const drift = object.status?.lastAppliedRevision === revision;
  return {
    type: "Normal" as const,
    reason: "Progressing",
    message: drift ? `corrected drift:\n${summarize(changes)}` : summarize(changes),
    revision,
  };
}

/**
 * How long a wait (health, termination) may last: the Kustomization's timeout, ending just
 * before the run's deadline so a slow rollout is reported as the failure it is, naming the
 * objects, and not as a bare timeout.
 */
function reportableWaitMs(object: StoredObject, deadline: number | undefined): number {
  const left = deadline === undefined ? Infinity : deadline - Date.now() - REPORT_MARGIN_MS;
  return Math.max(0, Math.min(kustomizationTimeoutMs(object), left));
}

/**
 * Flux's own controllers in the repository (gotk-components.yaml) are not applied: sluice does
 * their work. Said once per revision, so a steady run stays silent.
 */
function installationEvent(object: StoredObject, skipped: readonly KubeObject[], revision: string) {
  if (skipped.length === 0 || object.status?.lastAttemptedRevision === revision) return [];
  return [
    {
      type: "Normal" as const,
      reason: "FluxInstallationSkipped",
      message: `skipped ${skipped.length} objects of Flux's own installation (gotk-components): sluice runs the toolkit itself`,
      revision,
    },
  ];
}

/** Flux bounds a run and its health checks by spec.timeout, which defaults to the interval. */
function kustomizationTimeoutMs(object: StoredObject): number {
  const timeout = optionalString(object.spec, "timeout");
  const interval = optionalString(object.spec, "interval");
  if (timeout) return parseDuration(timeout, "spec.timeout");
  return interval ? parseDuration(interval, "spec.interval") : DEFAULT_TIMEOUT_MS;
}
