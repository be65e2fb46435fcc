import { fileURLToPath } from "node:url";
import { KubectlV35Layer } from "@aws-cdk/lambda-layer-kubectl-v35";
import { ArnFormat, Duration, Stack } from "aws-cdk-lib";
import type { ISecurityGroup, IVpc, SubnetSelection } from "aws-cdk-lib/aws-ec2";
import { Rule, Schedule } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import { PolicyStatement } from "aws-cdk-lib/aws-iam";
import { FunctionUrlAuthType } from "aws-cdk-lib/aws-lambda";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import { Construct } from "constructs";
import type { Messaging } from "./messaging.ts";
import { SluiceFunction } from "./sluice-function.ts";
import type { Storage } from "./storage.ts";

export interface FunctionsProps {
  readonly storage: Storage;
  readonly messaging: Messaging;
  readonly workerTimeout: Duration;
  /** Environment every function shares (resource names, root source). */
  readonly environment: Readonly<Record<string, string>>;
  /** Secrets Manager names under this prefix are readable by the worker (kubeconfigs, Git credentials). */
  readonly secretPrefix: string;
  readonly sources?: SourceAccess;
  /** EKS cluster name the worker may describe (the default apply target). */
  readonly defaultCluster?: string;
  /** Place the functions in a VPC, for clusters with private API endpoints. */
  readonly vpc?: IVpc;
  readonly vpcSubnets?: SubnetSelection;
  readonly securityGroups?: ISecurityGroup[];
}

/** What the worker may read with its own role: `provider: aws` Buckets and OCIRepositories. */
export interface SourceAccess {
  /** S3 bucket names that Bucket objects with `provider: aws` read. @default none */
  readonly buckets?: readonly string[];
  /** ECR repository names in this account and region (`team/*` allowed) that OCI sources pull. @default none */
  readonly ecrRepositories?: readonly string[];
}

/** Read-only access to the named source buckets and ECR repositories, nothing else. */
function sourceReadPolicies(scope: Construct, access: SourceAccess = {}): PolicyStatement[] {
  const stack = Stack.of(scope);
  const buckets = access.buckets ?? [];
  const repositories = access.ecrRepositories ?? [];
  const statements: PolicyStatement[] = [];
  if (buckets.length > 0) {
    statements.push(
      new PolicyStatement({
        actions: ["s3:ListBucket"],
        resources: buckets.map((b) =>
          stack.formatArn({ service: "s3", region: "", account: "", resource: b }),
        ),
      }),
      new PolicyStatement({
        actions: ["s3:GetObject"],
        resources: buckets.map((b) =>
          stack.formatArn({ service: "s3", region: "", account: "", resource: b, resourceName: "*" }),
        ),
      }),
    );
  }
  if (repositories.length > 0) {
    statements.push(
      // ECR issues login tokens per account, never per repository: this action takes no resource.
      new PolicyStatement({ actions: ["ecr:GetAuthorizationToken"], resources: ["*"] }),
      new PolicyStatement({
        actions: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:DescribeImages", "ecr:ListImages"],
        resources: repositories.map((r) =>
          stack.formatArn({ service: "ecr", resource: "repository", resourceName: r }),
        ),
      }),
    );
  }
  return statements;
}

function entry(name: string): string {
  return fileURLToPath(new URL(`../functions/${name}.ts`, import.meta.url));
}

/** Read access to the installation's secrets only: names under its prefix. */
function secretReadPolicy(scope: Construct, prefix: string): PolicyStatement {
  const resourceName = `${prefix}*`;
  return new PolicyStatement({
    actions: ["secretsmanager:GetSecretValue"],
    resources: [
      Stack.of(scope).formatArn({
        service: "secretsmanager",
        resource: "secret",
        resourceName,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
    ],
  });
}

/**
 * The Lambdas and what triggers them: a one-minute schedule drives the scheduler, the work
 * queue drives the worker, an IAM-authenticated function URL serves the CLI's API and a public
 * one the Receivers' webhooks.
 * Each gets exactly the grants its job needs, on this stack's resources only.
 */
export class Functions extends Construct {
  readonly scheduler: SluiceFunction;
  readonly worker: SluiceFunction;
  readonly api: SluiceFunction;
  readonly apiUrl: string;
  readonly receiver: SluiceFunction;
  readonly receiverUrl: string;

  constructor(scope: Construct, id: string, props: FunctionsProps) {
    super(scope, id);
    const { storage, messaging } = props;
    const network = props.vpc
      ? { vpc: props.vpc, vpcSubnets: props.vpcSubnets, securityGroups: props.securityGroups }
      : {};
    const common = { environment: { ...props.environment }, ...network };

    this.scheduler = new SluiceFunction(this, "Scheduler", { entry: entry("scheduler"), ...common });
    storage.table.grantReadData(this.scheduler);
    messaging.queue.grantSendMessages(this.scheduler);
    new Rule(this, "Tick", {
      description: "Every minute: enqueue every object whose interval has come",
      schedule: Schedule.rate(Duration.minutes(1)),
      targets: [new LambdaFunction(this.scheduler, { retryAttempts: 2 })],
    });

    this.worker = new SluiceFunction(this, "Worker", {
      entry: entry("worker"),
      timeout: props.workerTimeout,
      memorySize: 1024,
      layers: [new KubectlV35Layer(this, "KubectlLayer")],
      ...common,
    });
    storage.table.grantReadWriteData(this.worker);
    storage.events.grantWriteData(this.worker);
    storage.artifacts.grantReadWrite(this.worker);
    messaging.queue.grantSendMessages(this.worker);
    messaging.queue.grantConsumeMessages(this.worker);
    messaging.deadLetterQueue.grantSendMessages(this.worker);
    messaging.bus.grantPutEventsTo(this.worker);
    this.worker.addEventSource(
      new SqsEventSource(messaging.queue, {
        batchSize: 10,
        reportBatchItemFailures: true,
        maxConcurrency: 20,
      }),
    );
    this.worker.addToRolePolicy(secretReadPolicy(this, props.secretPrefix));
    for (const statement of sourceReadPolicies(this, props.sources)) this.worker.addToRolePolicy(statement);
    if (props.defaultCluster)
      this.worker.addToRolePolicy(
        new PolicyStatement({
          actions: ["eks:DescribeCluster"],
          resources: [
            Stack.of(this).formatArn({
              service: "eks",
              resource: "cluster",
              resourceName: props.defaultCluster,
            }),
          ],
        }),
      );

    this.api = new SluiceFunction(this, "Api", { entry: entry("api"), ...common });
    storage.table.grantReadWriteData(this.api);
    storage.events.grantReadData(this.api);
    messaging.queue.grantSendMessages(this.api);
    this.apiUrl = this.api.addFunctionUrl({ authType: FunctionUrlAuthType.AWS_IAM }).url;

    // Git hosts and registries cannot sign with IAM: the URL is public and every request is
    // verified against its Receiver's token before anything is read or queued.
    this.receiver = new SluiceFunction(this, "Receiver", {
      entry: entry("receiver"),
      timeout: Duration.seconds(10),
      ...common,
    });
    storage.table.grantReadData(this.receiver);
    messaging.queue.grantSendMessages(this.receiver);
    this.receiver.addToRolePolicy(secretReadPolicy(this, props.secretPrefix));
    this.receiverUrl = this.receiver.addFunctionUrl({ authType: FunctionUrlAuthType.NONE }).url;
  }
}
