import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { EcrRegistryLogin } from "../adapters/aws/ecr-registry-login.ts";
import { S3BucketConnector } from "../adapters/aws/s3-bucket-connector.ts";
import { localAdapters } from "../adapters/local/runtime.ts";
import { AgentPool } from "../apply/agent-pool.ts";
import { createApiHandler } from "../control/http-api.ts";
import { ensureRootObjects, type RootSourceConfig } from "../control/root-config.ts";
import { createWebhookHandler } from "../notify/receive-webhook.ts";
import type { Clock } from "../ports/index.ts";
import { builtInReconcilers } from "../reconcile/kinds.ts";
import { type Logger, silentLogger } from "../reconcile/logger.ts";
import type { ReconcilerRegistry } from "../reconcile/registry.ts";
import { enqueueDue } from "../reconcile/scheduler.ts";
import { wakeDependents } from "../reconcile/wake-dependents.ts";
import { processBatch } from "../reconcile/worker.ts";
import { ArtifactFilesCache, DEFAULT_ARTIFACT_FILES_CACHE_BYTES } from "../sources/artifact/files-cache.ts";
import { type SourceLimits, sourceLimitsFromEnv } from "../sources/source-deps.ts";
import { startHttpServer } from "./http-server.ts";
import { lazyTools } from "./tools.ts";

export interface LocalRuntimeOptions {
  readonly dataDir: string;
  /** The kinds this runtime reconciles. @default every built-in kind, on this runtime's adapters */
  readonly registry?: ReconcilerRegistry;
  /** @default "127.0.0.1" */
  readonly host?: string;
  /** @default 9292; 0 picks a free port */
  readonly port?: number;
  /** How often the scheduler looks for due objects. @default 5 s (Lambda's tick is a minute) */
  readonly tickMs?: number;
  /** Objects reconciled at the same time. @default 4 */
  readonly concurrency?: number;
  readonly kubeconfig?: string;
  /** Size cap and retention of source artifacts. @default from SLUICE_MAX_ARTIFACT_MIB / SLUICE_KEEP_ARTIFACTS, else 256 MiB and 3 */
  readonly sourceLimits?: SourceLimits;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** The Git repository and path this installation's configuration comes from, if any. */
  readonly root?: RootSourceConfig;
}

export interface LocalRuntime {
  readonly url: string;
  readonly dataDir: string;
  /** The kinds it reconciles, sorted. */
  readonly kinds: readonly string[];
  /** Stops taking work, lets the running batch finish (so leases are released), then closes. */
  stop(): Promise<void>;
}

/**
 * The whole control plane in one process: the scheduler tick, a worker polling the durable
 * queue, and the HTTP API; the same engine the Lambdas run, on the local adapters.
 */
export async function startLocalRuntime(options: LocalRuntimeOptions): Promise<LocalRuntime> {
  const logger = options.logger ?? silentLogger;
  const adapters = localAdapters({
    dataDir: options.dataDir,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.kubeconfig ? { kubeconfig: options.kubeconfig } : {}),
  });
  const holder = `local-${process.pid}-${randomUUID().slice(0, 8)}`;
  const agents = new AgentPool();
  const registry =
    options.registry ??
    builtInReconcilers({
      agents,
      ...adapters,
      buckets: new S3BucketConnector(),
      registryLogin: new EcrRegistryLogin(),
      tools: lazyTools({ cacheDir: join(options.dataDir, "cache") }),
      cacheDir: join(options.dataDir, "cache"),
      artifactFiles: new ArtifactFilesCache({ maxBytes: DEFAULT_ARTIFACT_FILES_CACHE_BYTES }),
      limits: options.sourceLimits ?? sourceLimitsFromEnv(process.env),
    });
  const deps = {
    ...adapters,
    events: wakeDependents({ sink: adapters.events, state: adapters.state, queue: adapters.queue }),
    registry,
    holder,
    logger,
    concurrency: options.concurrency ?? 4,
  };
  if (options.root) await ensureRootObjects(adapters.state, options.root);
  const { url, server } = await startHttpServer({
    host: options.host ?? "127.0.0.1",
    port: options.port ?? 9292,
    handle: createApiHandler(deps),
    hooks: createWebhookHandler({ ...adapters, log: logger }),
    logger,
  });

  let running = true;
  const tick = async () => {
    try {
      const enqueued = await enqueueDue(deps);
      if (enqueued > 0) logger.info("scheduled", { enqueued });
    } catch (error) {
      logger.error("scheduler tick failed", { error: String(error) });
    }
  };
  const ticker = setInterval(tick, options.tickMs ?? 5_000);
  void tick();

  // Independent lanes, each taking the next message as soon as it is free, as Lambda's
  // concurrent invocations do: a Kustomization waiting on its children's health never holds
  // back the messages that run those children.
  const lane = async () => {
    while (running) {
      try {
        const messages = await adapters.queue.receive({ max: 1, visibilityMs: 15 * 60_000, waitMs: 1_000 });
        if (messages.length > 0) await processBatch(messages, { ...deps, concurrency: 1 });
      } catch (error) {
        logger.error("worker pass failed", { error: String(error) });
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    }
  };
  const worker = Promise.all(Array.from({ length: deps.concurrency }, lane));

  return {
    url,
    dataDir: options.dataDir,
    kinds: registry.kinds(),
    async stop() {
      running = false;
      clearInterval(ticker);
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      await worker;
      agents.close();
      adapters.database.close();
    },
  };
}
