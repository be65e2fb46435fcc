import { fileURLToPath } from "node:url";
import { App, Stack } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import { SluiceFunction } from "../../../infra/sluice-function.ts";

const entry = fileURLToPath(new URL("../../fixtures/functions/echo.ts", import.meta.url));

describe("SluiceFunction", () => {
  it("runs on Node.js 24, x86_64 (the layer's binaries), with source maps and tracing", () => {
    const stack = new Stack(new App(), "Test");
    new SluiceFunction(stack, "Echo", { entry, environment: { EXTRA: "1" } });
    const template = Template.fromStack(stack);
    template.hasResourceProperties("AWS::Lambda::Function", {
      Runtime: "nodejs24.x",
      Architectures: ["x86_64"],
      TracingConfig: { Mode: "Active" },
      LoggingConfig: { LogFormat: "JSON" },
      Environment: { Variables: { NODE_OPTIONS: "--enable-source-maps", EXTRA: "1" } },
    });
    expect(template.findResources("AWS::Lambda::Function")).not.toEqual({});
  });
});
