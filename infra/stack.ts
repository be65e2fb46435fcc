import { Stack, type StackProps } from "aws-cdk-lib";
import type { Construct } from "constructs";

export type SluiceStackProps = StackProps;

/**
 * Everything one sluice installation needs in an AWS account. Resources are added by the
 * control-plane work (state table, artifact bucket, queues, bus, topics, schedule, functions);
 * functions share their defaults through `SluiceFunction`.
 */
export class SluiceStack extends Stack {
  constructor(scope: Construct, id: string, props: SluiceStackProps = {}) {
    super(scope, id, props);
    this.templateOptions.description = "sluice: GitOps continuous delivery for Kubernetes on AWS Lambda";
  }
}
