import { describe, expect, it } from "vitest";
import { EcrRegistryLogin, parseEcrHost } from "../../shared/adapters/aws/ecr-registry-login.ts";
import { isPortError } from "../../shared/ports/index.ts";
import { awsClientConfig } from "../env/context.ts";

const HOST = "123456789012.dkr.ecr.eu-west-1.amazonaws.com";

describe("EcrRegistryLogin on moto", () => {
  it("exchanges the runtime's identity for the registry's Basic credentials", async () => {
    const login = new EcrRegistryLogin({ clientConfig: awsClientConfig() });
    // moto answers GetAuthorizationToken with base64("AWS:<registry id>-auth-token").
    expect(await login.login({ provider: "aws", host: HOST })).toEqual({
      username: "AWS",
      password: "123456789012-auth-token",
    });
  });

  it("refuses hosts that are not ECR registries, before any call", async () => {
    const login = new EcrRegistryLogin({
      clientConfig: { ...awsClientConfig(), endpoint: "http://127.0.0.1:9" },
    });
    const error = await login.login({ provider: "aws", host: "ghcr.io" }).catch((e: unknown) => e);
    expect(isPortError(error, "Invalid")).toBe(true);
    expect((error as Error).message).toContain("ghcr.io is not an ECR registry");
    expect(parseEcrHost("123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com")).toEqual({
      account: "123456789012",
      region: "us-gov-west-1",
    });
    expect(parseEcrHost("123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn")?.region).toBe("cn-north-1");
  });
});
