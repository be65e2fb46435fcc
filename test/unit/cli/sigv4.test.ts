import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { Sha256 } from "@aws-crypto/sha256-js";
import { SignatureV4 } from "@smithy/signature-v4";
import { describe, expect, it, onTestFinished } from "vitest";
import { ApiClient } from "../../../shared/cli/api-client.ts";
import { CliError } from "../../../shared/cli/errors.ts";
import { sigv4Signer } from "../../../shared/cli/sigv4.ts";

const credentials = {
  accessKeyId: "AKIDEXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
};
const at = new Date("2026-01-02T03:04:05Z");

async function recordingServer() {
  const requests: { method: string; url: string; headers: IncomingHttpHeaders; body: string }[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8").on("data", (c: string) => {
      body += c;
    });
    req.on("end", () => {
      requests.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ items: [], requestedAt: "t", generation: 1 }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

describe("SigV4 signing for a function URL", () => {
  it("signs each request for service lambda in the context's region, body and query included", async () => {
    const server = await recordingServer();
    const client = new ApiClient({
      baseUrl: server.url,
      contextName: "prod",
      signer: sigv4Signer({
        region: "eu-west-1",
        credentials: async () => credentials,
        signingDate: () => at,
      }),
    });
    await client.list({ kind: "Kustomization", namespace: "apps" });
    await client.put({ kind: "GitRepository", namespace: "flux-system", name: "p" }, "kind: GitRepository\n");
    expect(server.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      "GET /v1/objects?kind=Kustomization&namespace=apps",
      "PUT /v1/objects/GitRepository/flux-system/p",
    ]);
    // The same request signed independently must give the same signature: the server would agree.
    for (const request of server.requests) {
      const url = new URL(`${server.url}${request.url}`);
      const expected = await new SignatureV4({
        service: "lambda",
        region: "eu-west-1",
        credentials,
        sha256: Sha256,
      }).sign(
        {
          method: request.method,
          protocol: "http:",
          hostname: url.hostname,
          port: Number(url.port),
          path: url.pathname,
          query: Object.fromEntries(url.searchParams),
          headers: {
            host: url.host,
            accept: "application/json",
            ...(request.body ? { "content-type": "application/yaml" } : {}),
          },
          ...(request.body ? { body: request.body } : {}),
        },
        { signingDate: at },
      );
      expect(request.headers.authorization).toBe(expected.headers.authorization);
      expect(request.headers.authorization).toContain(
        "Credential=AKIDEXAMPLE/20260102/eu-west-1/lambda/aws4_request",
      );
      expect(request.headers["x-amz-date"]).toBe("20260102T030405Z");
    }
  });

  it("reports credentials the chain cannot give as a Credentials error naming the profile", async () => {
    const signer = sigv4Signer({
      region: "eu-west-1",
      profile: "ops",
      credentials: async () => {
        throw new Error("The SSO session associated with this profile has expired or is otherwise invalid.");
      },
    });
    const client = new ApiClient({ baseUrl: "http://127.0.0.1:9", contextName: "prod", signer });
    const failure = await client.list().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(CliError);
    expect((failure as CliError).reason).toBe("Credentials");
    expect((failure as CliError).message).toBe(
      "AWS credentials have expired (profile 'ops'): The SSO session associated with this profile has expired or is otherwise invalid.",
    );
    expect((failure as CliError).hint).toContain("aws sso login --profile ops");
  });
});
