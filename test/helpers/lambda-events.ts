import { randomUUID } from "node:crypto";
import { type Message, ReceiveMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { Context, LambdaFunctionURLEvent, ScheduledEvent, SQSRecord } from "aws-lambda";

const ACCOUNT = "123456789012";

/** The context object Lambda passes; Powertools reads its fields into every log line. */
export function lambdaContext(functionName: string, region: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:${region}:${ACCOUNT}:function:${functionName}`,
    memoryLimitInMB: "512",
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: "2026/06/01/[$LATEST]abcdef",
    getRemainingTimeInMillis: () => 60_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** What an EventBridge schedule rule hands the scheduler each minute. */
export function scheduledEvent(region: string, rule = "sluice-tick"): ScheduledEvent {
  return {
    version: "0",
    id: randomUUID(),
    "detail-type": "Scheduled Event",
    source: "aws.events",
    account: ACCOUNT,
    time: new Date().toISOString(),
    region,
    resources: [`arn:aws:events:${region}:${ACCOUNT}:rule/${rule}`],
    detail: {},
  };
}

/**
 * An SQS message (received with every system and message attribute) as the Lambda event source
 * mapping hands it to the worker.
 */
export function sqsRecord(message: Message, queueArn: string, region: string): SQSRecord {
  const attributes = message.Attributes ?? {};
  return {
    messageId: message.MessageId as string,
    receiptHandle: message.ReceiptHandle as string,
    body: message.Body as string,
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? "1",
      SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: attributes.SenderId ?? "AIDAEXAMPLE",
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
      MessageGroupId: attributes.MessageGroupId,
      MessageDeduplicationId: attributes.MessageDeduplicationId,
      SequenceNumber: attributes.SequenceNumber,
    },
    messageAttributes: Object.fromEntries(
      Object.entries(message.MessageAttributes ?? {}).map(([key, value]) => [
        key,
        {
          stringValue: value.StringValue,
          dataType: value.DataType ?? "String",
          stringListValues: [],
          binaryListValues: [],
        },
      ]),
    ),
    md5OfBody: message.MD5OfBody as string,
    eventSource: "aws:sqs",
    eventSourceARN: queueArn,
    awsRegion: region,
  };
}

export interface FunctionUrlRequest {
  readonly method: string;
  readonly rawPath: string;
  /** The query string's parameters; the event carries them raw and parsed, as function URLs do. */
  readonly query?: Readonly<Record<string, string>>;
  /** Lower-cased names, as function URLs deliver them. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Buffer;
  /** Function URLs base64-encode bodies they do not take for text; either way the bytes arrive. */
  readonly base64?: boolean;
}

/** A request to a Lambda function URL (payload format 2.0). */
export function functionUrlEvent(request: FunctionUrlRequest): LambdaFunctionURLEvent {
  const headers = { ...request.headers };
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath: request.rawPath,
    rawQueryString: new URLSearchParams(request.query).toString(),
    ...(request.query && Object.keys(request.query).length > 0
      ? { queryStringParameters: { ...request.query } }
      : {}),
    headers,
    ...(request.body
      ? {
          body: request.body.toString(request.base64 ? "base64" : "utf8"),
          isBase64Encoded: request.base64 === true,
        }
      : { isBase64Encoded: false }),
    requestContext: {
      accountId: "anonymous",
      apiId: "abcdefgh",
      domainName: "abcdefgh.lambda-url.us-east-1.on.aws",
      domainPrefix: "abcdefgh",
      http: {
        method: request.method,
        path: request.rawPath,
        protocol: "HTTP/1.1",
        sourceIp: "192.0.2.10",
        userAgent: headers["user-agent"] ?? "test",
      },
      requestId: randomUUID(),
      routeKey: "$default",
      stage: "$default",
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
    },
  };
}

/** What the event source mapping would receive now: up to 10 messages, every attribute. */
export async function receiveAll(sqs: SQSClient, queueUrl: string): Promise<Message[]> {
  const received = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 1,
      MessageSystemAttributeNames: ["All"],
      MessageAttributeNames: ["All"],
    }),
  );
  return received.Messages ?? [];
}
