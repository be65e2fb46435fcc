import type { ScheduledEvent } from "aws-lambda";
import { awsAdapters, awsConfigFromEnv } from "../shared/adapters/aws/runtime.ts";
import { enqueueDue } from "../shared/reconcile/scheduler.ts";
import { observability, withObservability } from "./observability.ts";

const tools = observability("scheduler");
const adapters = awsAdapters(awsConfigFromEnv());

/** EventBridge's one-minute tick: enqueue every object whose time has come. */
export const handler = withObservability(async (_event: ScheduledEvent) => {
  const enqueued = await enqueueDue(adapters);
  tools.metrics.addMetric("ObjectsEnqueued", "Count", enqueued);
  tools.logger.info("tick", { enqueued });
  return { enqueued };
}, tools);
