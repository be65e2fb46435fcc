import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { PortError } from "../../ports/errors.ts";
import { call } from "./sqs-errors.ts";

export interface WorkQueuesSpec {
  /** Base name: the queues are `<name>.fifo` and `<name>-dlq.fifo`. */
  readonly name: string;
  /** Receives before SQS moves a message to the DLQ (the redrive policy's maxReceiveCount). */
  readonly maxAttempts: number;
  /** The queue's default visibility timeout, used by Lambda's event source mapping. */
  readonly visibilityTimeoutSeconds: number;
}

export interface WorkQueueUrls {
  readonly queueUrl: string;
  readonly deadLetterQueueUrl: string;
}

/** SQS keeps a message at most 14 days; dead letters should last as long as SQS allows. */
const FOURTEEN_DAYS_SECONDS = 1_209_600;

/**
 * Creates the FIFO work queue and its FIFO dead-letter queue, wired by a redrive policy: the
 * same shape the CDK stack declares. Creating queues that already exist with the same
 * attributes is a no-op, as in SQS.
 */
export async function createWorkQueues(client: SQSClient, spec: WorkQueuesSpec): Promise<WorkQueueUrls> {
  if (!/^[\w-]{1,71}$/.test(spec.name))
    throw new PortError("Invalid", `queue name "${spec.name}" must be 1–71 letters, digits, - or _`);
  if (!Number.isInteger(spec.maxAttempts) || spec.maxAttempts < 1 || spec.maxAttempts > 1000)
    throw new PortError("Invalid", `maxAttempts must be an integer from 1 to 1000, got ${spec.maxAttempts}`);
  const fifo = { FifoQueue: "true", ContentBasedDeduplication: "false" };
  const dlq = await call(() =>
    client.send(
      new CreateQueueCommand({
        QueueName: `${spec.name}-dlq.fifo`,
        Attributes: { ...fifo, MessageRetentionPeriod: String(FOURTEEN_DAYS_SECONDS) },
      }),
    ),
  );
  const deadLetterQueueUrl = required(dlq.QueueUrl, "QueueUrl");
  const dlqAttributes = await call(() =>
    client.send(
      new GetQueueAttributesCommand({ QueueUrl: deadLetterQueueUrl, AttributeNames: ["QueueArn"] }),
    ),
  );
  const deadLetterTargetArn = required(dlqAttributes.Attributes?.QueueArn, "QueueArn");
  const queue = await call(() =>
    client.send(
      new CreateQueueCommand({
        QueueName: `${spec.name}.fifo`,
        Attributes: {
          ...fifo,
          VisibilityTimeout: String(spec.visibilityTimeoutSeconds),
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn, maxReceiveCount: spec.maxAttempts }),
        },
      }),
    ),
  );
  return { queueUrl: required(queue.QueueUrl, "QueueUrl"), deadLetterQueueUrl };
}

function required(value: string | undefined, what: string): string {
  if (value === undefined) throw new PortError("Transient", `SQS answered without a ${what}`);
  return value;
}
