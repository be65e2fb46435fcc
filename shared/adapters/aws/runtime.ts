import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { S3Client } from "@aws-sdk/client-s3";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SQSClient } from "@aws-sdk/client-sqs";
import type {
  ArtifactStore,
  Clock,
  EventLog,
  EventSink,
  SecretStore,
  StateStore,
  WorkQueue,
} from "../../ports/index.ts";
import { systemClock } from "../../ports/index.ts";
import { fanOutEventSink } from "../fan-out-event-sink.ts";
import { DynamoDbEventLog } from "./dynamodb-event-log.ts";
import { DynamoDbStateStore } from "./dynamodb-state-store.ts";
import { EventBridgeEventSink } from "./eventbridge-event-sink.ts";
import { S3ArtifactStore } from "./s3-artifact-store.ts";
import { SecretsManagerSecretStore } from "./secrets-manager-secret-store.ts";
import { SqsWorkQueue } from "./sqs-work-queue.ts";

/** The stack's resources, as the CDK stack hands them to every function's environment. */
export interface AwsRuntimeConfig {
  readonly tableName: string;
  readonly eventTableName: string;
  readonly queueUrl: string;
  readonly deadLetterQueueUrl: string;
  readonly eventBusName: string;
  readonly bucketName: string;
  readonly secretPrefix: string;
}

/** Environment variable of each setting; infra/functions.ts sets exactly these. */
export const AWS_RUNTIME_ENV = {
  tableName: "SLUICE_TABLE_NAME",
  eventTableName: "SLUICE_EVENT_TABLE_NAME",
  queueUrl: "SLUICE_QUEUE_URL",
  deadLetterQueueUrl: "SLUICE_DEAD_LETTER_QUEUE_URL",
  eventBusName: "SLUICE_EVENT_BUS_NAME",
  bucketName: "SLUICE_ARTIFACT_BUCKET",
  secretPrefix: "SLUICE_SECRET_PREFIX",
} as const satisfies Record<keyof AwsRuntimeConfig, string>;

/** Reads the configuration, naming every missing variable at once. */
export function awsConfigFromEnv(env: NodeJS.ProcessEnv = process.env): AwsRuntimeConfig {
  const entries = Object.entries(AWS_RUNTIME_ENV) as [keyof AwsRuntimeConfig, string][];
  const missing = entries.filter(([, variable]) => !env[variable]).map(([, variable]) => variable);
  if (missing.length > 0) throw new Error(`sluice is missing its configuration: set ${missing.join(", ")}`);
  return Object.fromEntries(
    entries.map(([field, variable]) => [field, env[variable]]),
  ) as unknown as AwsRuntimeConfig;
}

export interface AwsAdapters {
  readonly state: StateStore;
  readonly queue: WorkQueue;
  /** Publishes to the event log and the bus. */
  readonly events: EventSink;
  /** What `GET /v1/events` reads. */
  readonly eventLog: EventLog;
  readonly artifacts: ArtifactStore;
  readonly secrets: SecretStore;
  readonly clock: Clock;
}

/**
 * Every port on the stack's AWS resources. Clients take region, credentials and endpoint from
 * the environment the SDK's way (AWS_REGION, the role, AWS_ENDPOINT_URL for emulators), so the
 * same wiring runs in Lambda and against moto. Built once per cold start and reused.
 */
export function awsAdapters(config: AwsRuntimeConfig): AwsAdapters {
  const forcePathStyle = process.env.SLUICE_S3_FORCE_PATH_STYLE === "true";
  const secrets = new SecretsManagerSecretStore({
    client: new SecretsManagerClient({}),
    prefix: config.secretPrefix,
  });
  const dynamo = new DynamoDBClient({ maxAttempts: 5 });
  const eventLog = new DynamoDbEventLog({ tableName: config.eventTableName, client: dynamo });
  return {
    state: new DynamoDbStateStore({ tableName: config.tableName, client: dynamo }),
    queue: new SqsWorkQueue({
      client: new SQSClient({ maxAttempts: 5 }),
      queueUrl: config.queueUrl,
      deadLetterQueueUrl: config.deadLetterQueueUrl,
    }),
    events: fanOutEventSink([
      eventLog,
      new EventBridgeEventSink({
        client: new EventBridgeClient({ maxAttempts: 5 }),
        eventBusName: config.eventBusName,
      }),
    ]),
    eventLog,
    artifacts: new S3ArtifactStore({ client: new S3Client({ forcePathStyle }), bucket: config.bucketName }),
    secrets,
    clock: systemClock,
  };
}
