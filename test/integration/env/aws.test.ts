import { randomUUID } from "node:crypto";
import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from "@aws-sdk/client-dynamodb";
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { describe, expect, it } from "vitest";
import { awsClientConfig } from "../../env/context.ts";

describe("moto", () => {
  const config = awsClientConfig();

  it("stores and returns an S3 object", async () => {
    const s3 = new S3Client({ ...config, forcePathStyle: true });
    const Bucket = `artifacts-${randomUUID()}`;
    await s3.send(new CreateBucketCommand({ Bucket }));
    await s3.send(new PutObjectCommand({ Bucket, Key: "sha256/abc.tar.gz", Body: "artifact bytes" }));
    const got = await s3.send(new GetObjectCommand({ Bucket, Key: "sha256/abc.tar.gz" }));
    expect(await got.Body?.transformToString()).toBe("artifact bytes");
  });

  it("refuses a second DynamoDB put under attribute_not_exists", async () => {
    const dynamo = new DynamoDBClient(config);
    const TableName = `state-${randomUUID()}`;
    await dynamo.send(
      new CreateTableCommand({
        TableName,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
        KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
      }),
    );
    const put = (holder: string) =>
      dynamo.send(
        new PutItemCommand({
          TableName,
          Item: { pk: { S: "lease#GitRepository/flux-system/podinfo" }, holder: { S: holder } },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
    await put("worker-1");
    await expect(put("worker-2")).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    const item = await dynamo.send(
      new GetItemCommand({ TableName, Key: { pk: { S: "lease#GitRepository/flux-system/podinfo" } } }),
    );
    expect(item.Item?.holder?.S).toBe("worker-1");
  });

  it("delivers SQS FIFO messages in order within a group and de-duplicates by id", async () => {
    const sqs = new SQSClient(config);
    const created = await sqs.send(
      new CreateQueueCommand({ QueueName: `work-${randomUUID()}.fifo`, Attributes: { FifoQueue: "true" } }),
    );
    const QueueUrl = created.QueueUrl;
    const send = (body: string, dedup: string) =>
      sqs.send(
        new SendMessageCommand({
          QueueUrl,
          MessageBody: body,
          MessageGroupId: "Kustomization/flux-system/apps",
          MessageDeduplicationId: dedup,
        }),
      );
    await send("first", "1");
    await send("second", "2");
    await send("first again", "1");
    const received = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    expect(received.Messages?.map((m) => m.Body)).toEqual(["first", "second"]);
    for (const message of received.Messages ?? []) {
      await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: message.ReceiptHandle }));
    }
  });
});
