import { App } from "aws-cdk-lib";
import { SluiceStack } from "./stack.ts";

const app = new App();
new SluiceStack(app, "Sluice", {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
app.synth();
