import { App, Stack, Validations } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import { SubnetType, Vpc } from "aws-cdk-lib/aws-ec2";
import { PolicyStatement } from "aws-cdk-lib/aws-iam";
import { AwsSolutionsChecks } from "cdk-nag";
import { beforeAll, describe, expect, it } from "vitest";
import { SluiceStack, type SluiceStackProps } from "../../../infra/stack.ts";
import { eventTableSchema } from "../../../shared/adapters/aws/event-table.ts";
import { AWS_RUNTIME_ENV } from "../../../shared/adapters/aws/runtime.ts";
import { stateTableSchema } from "../../../shared/adapters/aws/state-table.ts";
import { cdkArguments, STACK_NAME } from "../../../shared/cli/bootstrap/deploy-stack.ts";

const env = { account: "123456789012", region: "eu-west-1" };

function synth(props: (app: App) => SluiceStackProps = () => ({})) {
  const app = new App();
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const stack = new SluiceStack(app, "Sluice", { env, ...props(app) });
  app.synth(); // throws ValidationFailed on any unacknowledged cdk-nag finding
  return { stack, template: Template.fromStack(stack) };
}

// Each synth with cdk-nag is CPU-bound: seconds on a quiet machine, many more on a busy one.
const SYNTH_TIMEOUT_MS = 60_000;

describe("SluiceStack", { timeout: SYNTH_TIMEOUT_MS }, () => {
  let template: Template;
  beforeAll(() => {
    template = synth().template;
  }, SYNTH_TIMEOUT_MS);

  it("takes every parameter `sluice bootstrap` passes to cdk deploy, under the name it deploys", () => {
    const args = cdkArguments("deploy", { url: "https://git.example/fleet.git", path: "./clusters/prod" });
    expect(args.slice(0, 2)).toEqual(["deploy", STACK_NAME]);
    const passed = args.flatMap((arg, i) => (args[i - 1] === "--parameters" ? [arg.split("=")[0]] : []));
    expect(passed.length).toBeGreaterThan(0);
    const declared = Object.keys(template.toJSON().Parameters ?? {});
    for (const name of passed) expect(declared).toContain(name);
  });

  it("passes the cdk-nag AwsSolutions checks with only the acknowledged findings", () => {
    expect(template.toJSON().Resources).toBeDefined();
  });

  it("declares the state table exactly as the DynamoDB adapter expects it, on demand, encrypted, with PITR", () => {
    template.hasResourceProperties("AWS::DynamoDB::GlobalTable", {
      BillingMode: "PAY_PER_REQUEST",
      KeySchema: [
        { AttributeName: stateTableSchema.partitionKey.name, KeyType: "HASH" },
        { AttributeName: stateTableSchema.sortKey.name, KeyType: "RANGE" },
      ],
      // The due index and the reference index, both keys only.
      GlobalSecondaryIndexes: stateTableSchema.globalSecondaryIndexes.map((index) =>
        Match.objectLike({ IndexName: index.indexName, Projection: { ProjectionType: "KEYS_ONLY" } }),
      ),
      SSESpecification: { SSEEnabled: true },
      Replicas: [
        Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }),
      ],
    });
  });

  it("keeps events in their own table with a TTL, written by the worker and read by the API", () => {
    template.hasResourceProperties("AWS::DynamoDB::GlobalTable", {
      KeySchema: [
        { AttributeName: eventTableSchema.partitionKey.name, KeyType: "HASH" },
        { AttributeName: eventTableSchema.sortKey.name, KeyType: "RANGE" },
      ],
      TimeToLiveSpecification: { AttributeName: eventTableSchema.timeToLiveAttribute, Enabled: true },
      GlobalSecondaryIndexes: [
        Match.objectLike({
          IndexName: eventTableSchema.globalSecondaryIndexes[0].indexName,
          Projection: { ProjectionType: "ALL" },
        }),
      ],
    });
    const resources = template.toJSON().Resources as Record<string, { Type: string; Properties: never }>;
    const eventTable = Object.entries(resources).find(
      ([, r]) =>
        r.Type === "AWS::DynamoDB::GlobalTable" && JSON.stringify(r.Properties).includes("expiresAt"),
    )?.[0];
    expect(eventTable).toBeDefined();
    // Every function is told the table's name; only the worker writes, only the API reads.
    const functions = Object.values(resources).filter((r) => r.Type === "AWS::Lambda::Function");
    for (const fn of functions)
      expect(JSON.stringify(fn.Properties)).toContain(
        `"${AWS_RUNTIME_ENV.eventTableName}":{"Ref":"${eventTable}"}`,
      );
    const policies = Object.entries(resources).filter(([, r]) => r.Type === "AWS::IAM::Policy");
    const actionsOn = (role: string) =>
      policies
        .filter(([id]) => id.includes(role))
        .flatMap(
          ([, p]) =>
            (
              p.Properties as {
                PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] };
              }
            ).PolicyDocument.Statement,
        )
        .filter((st) => JSON.stringify(st.Resource).includes(eventTable as string))
        .flatMap((st) => [st.Action].flat());
    expect(actionsOn("Worker")).toContain("dynamodb:BatchWriteItem");
    expect(actionsOn("Worker")).not.toContain("dynamodb:Query");
    expect(actionsOn("Api")).toContain("dynamodb:Query");
    expect(actionsOn("Api")).not.toContain("dynamodb:BatchWriteItem");
    expect(actionsOn("Scheduler")).toEqual([]);
  });

  it("keeps artifacts in a versioned, encrypted, private bucket with lifecycle rules", () => {
    template.hasResourceProperties("AWS::S3::Bucket", {
      VersioningConfiguration: { Status: "Enabled" },
      BucketEncryption: Match.anyValue(),
      PublicAccessBlockConfiguration: Match.objectLike({
        BlockPublicAcls: true,
        RestrictPublicBuckets: true,
      }),
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }),
        ]),
      },
    });
  });

  it("uses a FIFO work queue with a FIFO dead-letter queue and an alarm on it", () => {
    template.hasResourceProperties("AWS::SQS::Queue", {
      FifoQueue: true,
      RedrivePolicy: Match.objectLike({ maxReceiveCount: 5 }),
      VisibilityTimeout: 1800,
    });
    template.resourceCountIs("AWS::SQS::Queue", 2);
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      MetricName: "ApproximateNumberOfMessagesVisible",
      AlarmActions: [Match.anyValue()],
    });
  });

  it("ticks the scheduler every minute and feeds the worker from the queue with partial batch failures", () => {
    template.hasResourceProperties("AWS::Events::Rule", { ScheduleExpression: "rate(1 minute)" });
    template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      FunctionResponseTypes: ["ReportBatchItemFailures"],
      BatchSize: 10,
    });
  });

  it("runs every function on Node.js 24, serves the API behind IAM and only webhooks in public", () => {
    const functions = Object.values(template.findResources("AWS::Lambda::Function"));
    expect(functions).toHaveLength(4);
    for (const fn of functions) expect(fn.Properties.Runtime).toBe("nodejs24.x");
    const urls = Object.values(template.findResources("AWS::Lambda::Url"));
    expect(urls.map((u) => u.Properties.AuthType).sort()).toEqual(["AWS_IAM", "NONE"]);
    const publicUrl = urls.find((u) => u.Properties.AuthType === "NONE");
    expect(JSON.stringify(publicUrl?.Properties.TargetFunctionArn)).toContain("Receiver");
    template.hasOutput("WebhookUrl", {});
  });

  it("scopes the worker's secret access to the installation's prefix", () => {
    const policies = JSON.stringify(template.findResources("AWS::IAM::Policy"));
    expect(policies).toContain("secret:sluice/*");
    expect(policies).not.toMatch(/"secretsmanager:\*"/);
  });

  it("lets the worker read only the source buckets and ECR repositories it is given", () => {
    const bare = JSON.stringify(template.findResources("AWS::IAM::Policy"));
    expect(bare).not.toContain("ecr:");
    expect(bare).not.toContain("fleet-config");
    const { template: withSources } = synth(() => ({
      sources: { buckets: ["fleet-config"], ecrRepositories: ["manifests/*"] },
    }));
    const policies = JSON.stringify(withSources.findResources("AWS::IAM::Policy"));
    expect(policies).toContain(":s3:::fleet-config/*");
    expect(policies).toContain("repository/manifests/*");
    expect(policies).toContain("ecr:GetAuthorizationToken");
    expect(policies).not.toMatch(/"s3:PutObject"[^\]]*fleet-config/);
  });

  it("lets the worker describe the default EKS cluster, and tells it which one", () => {
    const { template: withCluster } = synth(() => ({ defaultCluster: "prod" }));
    withCluster.hasResourceProperties("AWS::Lambda::Function", {
      Environment: { Variables: Match.objectLike({ SLUICE_DEFAULT_CLUSTER: "prod" }) },
    });
    const policies = JSON.stringify(withCluster.findResources("AWS::IAM::Policy"));
    expect(policies).toContain("eks:DescribeCluster");
    expect(policies).toContain(":cluster/prod");
    expect(JSON.stringify(template.findResources("AWS::IAM::Policy"))).not.toContain("eks:");
  });

  it("hands the artifact size limit to the functions when one is set", () => {
    expect(JSON.stringify(template.toJSON())).not.toContain("SLUICE_MAX_ARTIFACT_MIB");
    const { template: limited } = synth(() => ({ maxArtifactMiB: 64 }));
    limited.hasResourceProperties("AWS::Lambda::Function", {
      Environment: { Variables: Match.objectLike({ SLUICE_MAX_ARTIFACT_MIB: "64" }) },
    });
  });

  it("places the functions in a VPC when one is given", () => {
    const { template: withVpc } = synth((app) => {
      const network = new Stack(app, "Network", { env });
      // The operator's VPC, not ours: its flow logs are their call.
      Validations.of(network).acknowledge({ id: "AwsSolutions-VPC7", reason: "test VPC" });
      const vpc = new Vpc(network, "Vpc", {
        maxAzs: 2,
        natGateways: 0,
        subnetConfiguration: [{ name: "private", subnetType: SubnetType.PRIVATE_ISOLATED }],
      });
      return { vpc, vpcSubnets: { subnetType: SubnetType.PRIVATE_ISOLATED } };
    });
    withVpc.hasResourceProperties("AWS::Lambda::Function", {
      VpcConfig: Match.objectLike({ SubnetIds: Match.anyValue() }),
    });
  });
});

describe("cdk-nag gate", { timeout: SYNTH_TIMEOUT_MS }, () => {
  it("fails synth when a finding is not acknowledged", () => {
    const app = new App();
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    const stack = new SluiceStack(app, "Sluice", { env });
    // A wildcard nobody acknowledged must stop the build.
    stack.functions.api.addToRolePolicy(new PolicyStatement({ actions: ["dynamodb:*"], resources: ["*"] }));
    expect(() => app.synth()).toThrow(/AwsSolutions-IAM5/);
  });
});
