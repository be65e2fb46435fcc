import { CfnOutput, Duration, Stack, type StackProps } from "aws-cdk-lib";
import type { ISecurityGroup, IVpc, SubnetSelection } from "aws-cdk-lib/aws-ec2";
import type { Construct } from "constructs";
import { DEFAULT_CLUSTER_ENV } from "../shared/adapters/aws/cluster-runtime.ts";
import { AWS_RUNTIME_ENV } from "../shared/adapters/aws/runtime.ts";
import { ROOT_ENV } from "../shared/control/root-config.ts";
import { SOURCE_LIMIT_ENV } from "../shared/sources/source-deps.ts";
import { Functions, type SourceAccess } from "./functions.ts";
import { Messaging } from "./messaging.ts";
import { acknowledgeAcceptedFindings } from "./nag.ts";
import { RootSource } from "./root-source.ts";
import { Storage } from "./storage.ts";

export interface SluiceStackProps extends StackProps {
  /** Secrets Manager names under this prefix are readable by sluice. @default "sluice/" */
  readonly secretPrefix?: string;
  /** Place the functions in this VPC, for clusters whose API endpoint is private. @default none */
  readonly vpc?: IVpc;
  readonly vpcSubnets?: SubnetSelection;
  readonly securityGroups?: ISecurityGroup[];
  /** Buckets and ECR repositories sources read with the worker's own role. @default none */
  readonly sources?: SourceAccess;
  /**
   * The EKS cluster (name, in the stack's region) that Kustomizations without spec.kubeConfig
   * apply to; the worker may describe it and signs its IAM tokens with its own role, which needs
   * an access entry in that cluster. @default none: every Kustomization names a kubeconfig secret
   */
  readonly defaultCluster?: string;
  /** Largest source (files, download or archive) in MiB; larger ones fail with SizeLimitExceeded. @default 256 */
  readonly maxArtifactMiB?: number;
  /** How long one worker invocation may run. @default 5 minutes */
  readonly workerTimeout?: Duration;
}

/** Everything one sluice installation needs in an AWS account. */
export class SluiceStack extends Stack {
  readonly storage: Storage;
  readonly messaging: Messaging;
  readonly functions: Functions;

  constructor(scope: Construct, id: string, props: SluiceStackProps = {}) {
    super(scope, id, props);
    this.templateOptions.description = "sluice: GitOps continuous delivery for Kubernetes on AWS Lambda";
    const workerTimeout = props.workerTimeout ?? Duration.minutes(5);
    const secretPrefix = props.secretPrefix ?? "sluice/";

    const root = new RootSource(this, "RootSource");
    this.storage = new Storage(this, "Storage");
    this.messaging = new Messaging(this, "Messaging", { workerTimeout });
    this.functions = new Functions(this, "Functions", {
      storage: this.storage,
      messaging: this.messaging,
      workerTimeout,
      secretPrefix,
      ...(props.sources ? { sources: props.sources } : {}),
      ...(props.defaultCluster ? { defaultCluster: props.defaultCluster } : {}),
      ...(props.vpc
        ? { vpc: props.vpc, vpcSubnets: props.vpcSubnets, securityGroups: props.securityGroups }
        : {}),
      environment: {
        [AWS_RUNTIME_ENV.tableName]: this.storage.table.tableName,
        [AWS_RUNTIME_ENV.eventTableName]: this.storage.events.tableName,
        [AWS_RUNTIME_ENV.queueUrl]: this.messaging.queue.queueUrl,
        [AWS_RUNTIME_ENV.deadLetterQueueUrl]: this.messaging.deadLetterQueue.queueUrl,
        [AWS_RUNTIME_ENV.eventBusName]: this.messaging.bus.eventBusName,
        [AWS_RUNTIME_ENV.bucketName]: this.storage.artifacts.bucketName,
        [AWS_RUNTIME_ENV.secretPrefix]: secretPrefix,
        ...(props.defaultCluster ? { [DEFAULT_CLUSTER_ENV]: props.defaultCluster } : {}),
        ...(props.maxArtifactMiB ? { [SOURCE_LIMIT_ENV.maxArtifactMiB]: String(props.maxArtifactMiB) } : {}),
        [ROOT_ENV.url]: root.url.valueAsString,
        [ROOT_ENV.branch]: root.branch.valueAsString,
        [ROOT_ENV.path]: root.path.valueAsString,
        [ROOT_ENV.secretName]: root.secretName.valueAsString,
        POWERTOOLS_METRICS_NAMESPACE: "sluice",
      },
    });

    new CfnOutput(this, "ApiUrl", {
      value: this.functions.apiUrl,
      description: "Status API for the sluice CLI (IAM-signed)",
    });
    new CfnOutput(this, "WebhookUrl", {
      value: this.functions.receiverUrl,
      description: "Base URL for Receivers: append a Receiver's status.webhookPath (/hook/…)",
    });
    new CfnOutput(this, "StateTableName", { value: this.storage.table.tableName });
    new CfnOutput(this, "ArtifactBucketName", { value: this.storage.artifacts.bucketName });
    new CfnOutput(this, "WorkQueueUrl", { value: this.messaging.queue.queueUrl });
    new CfnOutput(this, "EventBusName", { value: this.messaging.bus.eventBusName });
    new CfnOutput(this, "AlertTopicArn", {
      value: this.messaging.alerts.topicArn,
      description: "Subscribe to get failures",
    });
    acknowledgeAcceptedFindings(this, { secretPrefix, sources: props.sources ?? {} });
  }
}
