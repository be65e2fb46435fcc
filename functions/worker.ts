import { randomUUID } from "node:crypto";
import type { Context, SQSBatchResponse, SQSEvent } from "aws-lambda";
import { awsClusterConnector } from "../shared/adapters/aws/cluster-runtime.ts";
import { EcrRegistryLogin } from "../shared/adapters/aws/ecr-registry-login.ts";
import { awsAdapters, awsConfigFromEnv } from "../shared/adapters/aws/runtime.ts";
import { S3BucketConnector } from "../shared/adapters/aws/s3-bucket-connector.ts";
import { fromSqsRecord } from "../shared/adapters/aws/sqs-work-queue.ts";
import { AgentPool } from "../shared/apply/agent-pool.ts";
import { builtInReconcilers } from "../shared/reconcile/kinds.ts";
import { wakeDependents } from "../shared/reconcile/wake-dependents.ts";
import { processBatch } from "../shared/reconcile/worker.ts";
import { lazyTools } from "../shared/runtime/tools.ts";
import {
  ArtifactFilesCache,
  DEFAULT_ARTIFACT_FILES_CACHE_BYTES,
} from "../shared/sources/artifact/files-cache.ts";
import { sourceLimitsFromEnv } from "../shared/sources/source-deps.ts";
import { observability, withObservability } from "./observability.ts";

const tools = observability("worker");
const adapters = awsAdapters(awsConfigFromEnv());
// Lambda keeps /tmp between invocations of a warm instance: Git caches survive there.
const registry = builtInReconcilers({
  ...adapters,
  clusters: awsClusterConnector(adapters.secrets),
  buckets: new S3BucketConnector(),
  registryLogin: new EcrRegistryLogin(),
  tools: lazyTools({ cacheDir: "/tmp/sluice-cache" }),
  cacheDir: "/tmp/sluice-cache",
  // A warm instance keeps its API server connections for the next batch.
  agents: new AgentPool(),
  // Kept by a warm instance too: a batch of Kustomizations after a push unpacks the revision once.
  artifactFiles: new ArtifactFilesCache({ maxBytes: DEFAULT_ARTIFACT_FILES_CACHE_BYTES }),
  limits: sourceLimitsFromEnv(process.env),
});
const events = wakeDependents({ sink: adapters.events, state: adapters.state, queue: adapters.queue });

/**
 * A batch from the FIFO work queue. Messages it could not finish are reported as batch item
 * failures, so SQS redelivers only those (after the backoff the engine set) and not the rest.
 */
export const handler = withObservability(
  async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    const report = await processBatch(event.Records.map(fromSqsRecord), {
      ...adapters,
      events,
      registry,
      holder: `${context.awsRequestId ?? randomUUID()}`,
      // A lease must outlive this invocation but not by much: if Lambda kills it at its timeout,
      // the object is free again shortly after, not a quarter of an hour later.
      leaseTtlMs: context.getRemainingTimeInMillis() + 30_000,
      // What is left of the invocation, less time to write status and answer SQS.
      remainingMs: () => context.getRemainingTimeInMillis() - 10_000,
      logger: tools.logger,
    });
    tools.metrics.addMetric("MessagesProcessed", "Count", event.Records.length);
    tools.metrics.addMetric("MessagesRetried", "Count", report.retried.length);
    return { batchItemFailures: report.retried.map((message) => ({ itemIdentifier: message.id })) };
  },
  tools,
);
