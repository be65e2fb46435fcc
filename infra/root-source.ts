import { CfnParameter } from "aws-cdk-lib";
import { Construct } from "constructs";

/**
 * Where this installation's own configuration lives: one Git repository, branch and path
 * (the root Kustomization reconciles it). Stack parameters, so one template serves every team.
 */
export class RootSource extends Construct {
  readonly url: CfnParameter;
  readonly branch: CfnParameter;
  readonly path: CfnParameter;
  readonly secretName: CfnParameter;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.url = new CfnParameter(scope, "RootSourceUrl", {
      type: "String",
      default: "",
      description:
        "HTTPS URL of the Git repository holding the sluice configuration; empty: no root, objects come only through the API",
    });
    this.branch = new CfnParameter(scope, "RootSourceBranch", {
      type: "String",
      default: "main",
      description: "Branch of the configuration repository",
    });
    this.path = new CfnParameter(scope, "RootSourcePath", {
      type: "String",
      default: "./",
      description: "Path inside the repository, e.g. ./clusters/production",
    });
    this.secretName = new CfnParameter(scope, "RootSourceSecretName", {
      type: "String",
      default: "",
      description:
        "Credentials for the repository: NAME of the Secrets Manager secret <SecretPrefix>flux-system/NAME (JSON with username/password or bearerToken); empty for a public one",
    });
  }
}
