import { Token, Validations } from "aws-cdk-lib";
import type { SourceAccess } from "./functions.ts";
import type { SluiceStack } from "./stack.ts";

export interface NagContext {
  readonly secretPrefix: string;
  readonly sources: SourceAccess;
}

interface Acceptance {
  readonly ids: readonly string[];
  readonly reason: string;
}

/**
 * cdk-nag findings we accept, each with the reason it stands. Findings are acknowledged one
 * by one (`Rule[finding]`), so a new wildcard or a new rule violation still fails synth.
 */
export function acceptedFindings(stack: SluiceStack, { secretPrefix, sources }: NagContext): Acceptance[] {
  const tableId = stack.getLogicalId(stack.storage.table.node.defaultChild as never);
  const eventTableId = stack.getLogicalId(stack.storage.events.node.defaultChild as never);
  const bucketId = stack.getLogicalId(stack.storage.artifacts.node.defaultChild as never);
  // The finding names the ARN as synthesized: literal when the stack's env is set, a token otherwise.
  const region = Token.isUnresolved(stack.region) ? "<AWS::Region>" : stack.region;
  const account = Token.isUnresolved(stack.account) ? "<AWS::AccountId>" : stack.account;
  return [
    {
      ids: [
        "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
      ],
      reason:
        "AWSLambdaBasicExecutionRole only allows writing the function's own CloudWatch logs: the AWS-maintained minimum for Lambda logging.",
    },
    {
      ids: [
        "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]",
      ],
      reason:
        "With VPC placement, Lambda needs to manage its network interfaces; AWSLambdaVPCAccessExecutionRole is the AWS-maintained minimum for that.",
    },
    {
      ids: ["AwsSolutions-IAM5[Resource::*]"],
      reason:
        "Active tracing needs xray:PutTraceSegments and xray:PutTelemetryRecords, and ECR login needs ecr:GetAuthorizationToken; AWS grants these only on Resource '*'.",
    },
    ...sourceFindings(sources, region, account),
    {
      ids: [`AwsSolutions-IAM5[Resource::<${tableId}.Arn>/index/*]`],
      reason:
        "Queries of the state table's own due-time index; the wildcard covers only this table's indexes.",
    },
    {
      ids: [`AwsSolutions-IAM5[Resource::<${eventTableId}.Arn>/index/*]`],
      reason:
        "Queries of the event table's own recent-events index; the wildcard covers only this table's indexes.",
    },
    {
      ids: [
        `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/*]`,
        "AwsSolutions-IAM5[Action::s3:Abort*]",
        "AwsSolutions-IAM5[Action::s3:DeleteObject*]",
        "AwsSolutions-IAM5[Action::s3:GetBucket*]",
        "AwsSolutions-IAM5[Action::s3:GetObject*]",
        "AwsSolutions-IAM5[Action::s3:List*]",
      ],
      reason:
        "The worker reads, writes and garbage-collects artifacts in the stack's own artifact bucket only (CDK's grantReadWrite); artifact keys are digests, unknown in advance.",
    },
    {
      ids: [
        `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:${region}:${account}:secret:${secretPrefix}*]`,
      ],
      reason:
        "Kubeconfigs and Git credentials are named by the objects in Git, so the worker may read any secret under the installation's own prefix, and nothing else.",
    },
    {
      ids: ["AwsSolutions-S1"],
      reason:
        "The artifact bucket holds only content-addressed artifacts written by the stack's own functions; writes are visible in CloudTrail and the bucket is versioned, so access logs add cost, not information.",
    },
    {
      ids: ["AwsSolutions-SQS3"],
      reason:
        "This queue is the work queue's dead-letter queue; a dead-letter queue for it would only hide failures.",
    },
    {
      ids: ["CloudFormation-Validate::W2509"],
      reason:
        "RootSourceSecretName holds the name of a Secrets Manager secret, never a secret value, so NoEcho would only hide configuration.",
    },
  ];
}

function sourceFindings(sources: SourceAccess, region: string, account: string): Acceptance[] {
  const buckets = sources.buckets ?? [];
  const wildcardRepositories = (sources.ecrRepositories ?? []).filter((r) => r.includes("*"));
  return [
    ...(buckets.length > 0
      ? [
          {
            ids: buckets.map((b) => `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${b}/*]`),
            reason:
              "Bucket sources read every object of the buckets the operator listed in `sources.buckets` (GetObject only); which keys exist is decided by whoever fills the bucket.",
          },
        ]
      : []),
    ...(wildcardRepositories.length > 0
      ? [
          {
            ids: wildcardRepositories.map(
              (r) =>
                `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ecr:${region}:${account}:repository/${r}]`,
            ),
            reason:
              "OCI sources pull (read only) from the ECR repositories matching the patterns the operator listed in `sources.ecrRepositories`.",
          },
        ]
      : []),
  ];
}

export function acknowledgeAcceptedFindings(stack: SluiceStack, context: NagContext): void {
  for (const { ids, reason } of acceptedFindings(stack, context)) {
    for (const id of ids) Validations.of(stack).acknowledge({ id, reason });
  }
}
