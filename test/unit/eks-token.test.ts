import { describe, expect, it } from "vitest";
import { eksToken } from "../../shared/adapters/aws/eks-token.ts";

const credentials = {
  accessKeyId: "AKIDEXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
};
const now = Date.UTC(2024, 4, 17, 12, 34, 56);

function decode(token: string): URL {
  expect(token.startsWith("k8s-aws-v1.")).toBe(true);
  const encoded = token.slice("k8s-aws-v1.".length);
  // base64url without padding, as aws-iam-authenticator's RawURLEncoding reads it.
  expect(encoded).toMatch(/^[A-Za-z0-9_-]+$/);
  return new URL(Buffer.from(encoded, "base64url").toString("utf8"));
}

/**
 * Known answers computed with botocore's presigner the way `aws eks get-token` calls it
 * (generate_presigned_url('get_caller_identity', ExpiresIn=60) with the x-k8s-aws-id header
 * injected before signing), for the credentials and time above.
 */
const BOTOCORE_URL =
  "https://sts.us-west-2.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15" +
  "&X-Amz-Algorithm=AWS4-HMAC-SHA256" +
  "&X-Amz-Credential=AKIDEXAMPLE%2F20240517%2Fus-west-2%2Fsts%2Faws4_request" +
  "&X-Amz-Date=20240517T123456Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host%3Bx-k8s-aws-id" +
  "&X-Amz-Signature=463d93eb513982d1432fa07541a928d75ff3f6b171bbcd36362c9e90af5763a0";
const BOTOCORE_SESSION_SIGNATURE = "e170081634fb08e79cf81957ae396bb7d24086b162cf4f094eb941bb7f6f5aea";

describe("eksToken", () => {
  it("encodes a presigned STS GetCallerIdentity URL for the cluster", async () => {
    const url = decode(
      await eksToken({ clusterName: "prod-cluster", credentials, region: "eu-west-1", now }),
    );
    expect(url.protocol).toBe("https:");
    expect(url.host).toBe("sts.eu-west-1.amazonaws.com");
    expect(url.pathname).toBe("/");
    const q = url.searchParams;
    expect(q.get("Action")).toBe("GetCallerIdentity");
    expect(q.get("Version")).toBe("2011-06-15");
    expect(q.get("X-Amz-Algorithm")).toBe("AWS4-HMAC-SHA256");
    expect(q.get("X-Amz-Credential")).toBe("AKIDEXAMPLE/20240517/eu-west-1/sts/aws4_request");
    expect(q.get("X-Amz-Date")).toBe("20240517T123456Z");
    expect(q.get("X-Amz-Expires")).toBe("60");
    expect(q.get("X-Amz-SignedHeaders")?.split(";")).toContain("x-k8s-aws-id");
    expect(q.get("X-Amz-Signature")).toMatch(/^[0-9a-f]{64}$/);
    // aws-iam-authenticator's verifier refuses any other query parameter.
    expect([...q.keys()].sort()).toEqual([
      "Action",
      "Version",
      "X-Amz-Algorithm",
      "X-Amz-Credential",
      "X-Amz-Date",
      "X-Amz-Expires",
      "X-Amz-Signature",
      "X-Amz-SignedHeaders",
    ]);
  });

  it("signs deterministically for fixed credentials and time", async () => {
    const options = { clusterName: "prod-cluster", credentials, region: "us-west-2", now };
    const first = await eksToken(options);
    expect(await eksToken(options)).toBe(first);
    expect(await eksToken({ ...options, now: now + 1000 })).not.toBe(first);
    expect(await eksToken({ ...options, clusterName: "other" })).not.toBe(first);
  });

  it("produces exactly the token aws eks get-token produces", async () => {
    const token = await eksToken({ clusterName: "prod-cluster", credentials, region: "us-west-2", now });
    expect(decode(token).href).toBe(BOTOCORE_URL);
    expect(token).toBe(`k8s-aws-v1.${Buffer.from(BOTOCORE_URL).toString("base64url")}`);
  });

  it("carries a session token and signs over it", async () => {
    const sessionToken = "FQoGZXIvYXdzEXAMPLESESSION+/=";
    const url = decode(
      await eksToken({
        clusterName: "prod-cluster",
        credentials: async () => ({ ...credentials, sessionToken }),
        region: "us-west-2",
        now,
      }),
    );
    expect(url.searchParams.get("X-Amz-Security-Token")).toBe(sessionToken);
    expect(url.searchParams.get("X-Amz-Signature")).toBe(BOTOCORE_SESSION_SIGNATURE);
  });

  it("uses the .com.cn STS host in China regions", async () => {
    const url = decode(await eksToken({ clusterName: "c", credentials, region: "cn-north-1", now }));
    expect(url.host).toBe("sts.cn-north-1.amazonaws.com.cn");
  });

  it("refuses an empty cluster name", async () => {
    await expect(eksToken({ clusterName: "", credentials, region: "us-west-2", now })).rejects.toMatchObject({
      reason: "Invalid",
    });
  });
});
