import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { CreateEventBusCommand, EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { SQSClient } from "@aws-sdk/client-sqs";
import { DynamoDbStateStore } from "../../shared/adapters/aws/dynamodb-state-store.ts";
import { createEventTable } from "../../shared/adapters/aws/event-table.ts";
import { AWS_RUNTIME_ENV } from "../../shared/adapters/aws/runtime.ts";
import { createStateTable } from "../../shared/adapters/aws/state-table.ts";
import { createWorkQueues, type WorkQueueUrls } from "../../shared/adapters/aws/work-queue-setup.ts";
import { awsClientConfig, testEnv } from "../env/context.ts";

export interface MotoStack {
  readonly state: DynamoDbStateStore;
  readonly queues: WorkQueueUrls;
  /** What the CDK stack sets on every function, plus the SDK's own variables pointing at moto. */
  readonly env: Record<string, string>;
}

/**
 * The resources `cdk deploy` creates that the handlers use, made directly on moto under `name`
 * (moto cannot run the CloudFormation stack itself), and the environment the stack would give
 * the functions.
 */
export async function provisionMotoStack(
  name: string,
  options: { region: string; maxAttempts?: number },
): Promise<MotoStack> {
  const config = awsClientConfig();
  const dynamo = new DynamoDBClient(config);
  const eventTable = `${name}-events`;
  await Promise.all([createStateTable(dynamo, name), createEventTable(dynamo, eventTable)]);
  const queues = await createWorkQueues(new SQSClient(config), {
    name,
    maxAttempts: options.maxAttempts ?? 3,
    visibilityTimeoutSeconds: 30,
  });
  await new EventBridgeClient(config).send(new CreateEventBusCommand({ Name: name }));
  await new S3Client({ ...config, forcePathStyle: true }).send(new CreateBucketCommand({ Bucket: name }));
  return {
    state: new DynamoDbStateStore({ client: dynamo, tableName: name }),
    queues,
    env: {
      [AWS_RUNTIME_ENV.tableName]: name,
      [AWS_RUNTIME_ENV.eventTableName]: eventTable,
      [AWS_RUNTIME_ENV.queueUrl]: queues.queueUrl,
      [AWS_RUNTIME_ENV.deadLetterQueueUrl]: queues.deadLetterQueueUrl,
      [AWS_RUNTIME_ENV.eventBusName]: name,
      [AWS_RUNTIME_ENV.bucketName]: name,
      [AWS_RUNTIME_ENV.secretPrefix]: `${name}/`,
      SLUICE_S3_FORCE_PATH_STYLE: "true",
      AWS_ENDPOINT_URL: testEnv().aws.endpoint,
      AWS_REGION: options.region,
      AWS_ACCESS_KEY_ID: config.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: config.credentials.secretAccessKey,
    },
  };
}
