import type { ScheduledEvent } from "aws-lambda";
import { awsAdapters, awsConfigFromEnv } from "../shared/adapters/aws/runtime.ts";
import { ensureRootObjects, rootConfigFromEnv } from "../shared/control/root-config.ts";
import { enqueueDue } from "../shared/reconcile/scheduler.ts";
import { observability, withObservability } from "./observability.ts";

const tools = observability("scheduler");
const adapters = awsAdapters(awsConfigFromEnv());
const root = rootConfigFromEnv(process.env);

/**
 * EventBridge's one-minute tick: keep the root objects in line with the stack's parameters
 * (two reads when they are), then enqueue every object whose time has come.
 */
export const handler = withObservability(async (_event: ScheduledEvent) => {
  if (root) {
    const written = await ensureRootObjects(adapters.state, root);
    if (written.length > 0) tools.logger.info("root configuration registered", { url: root.url });
  }
  const enqueued = await enqueueDue(adapters);
  tools.metrics.addMetric("ObjectsEnqueued", "Count", enqueued);
  tools.logger.info("tick", { enqueued });
  return { enqueued };
}, tools);
