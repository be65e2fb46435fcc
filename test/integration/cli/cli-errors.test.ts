import { writeFile } from "node:fs/promises";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { tempDir } from "../../helpers/temp-dir.ts";
import { cliEnv, localRuntime, runCli } from "./cli-harness.ts";

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Stands in for a function URL whose IAM auth refuses the caller, recording what was sent. */
async function refusingFunctionUrl(message: string) {
  const seen: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    seen.push(req.headers);
    res.writeHead(403, { "content-type": "application/json" });
    res.end(JSON.stringify({ Message: message }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

function oneLine(stderr: string): string {
  const lines = stderr.trimEnd().split("\n");
  expect(lines).toHaveLength(1);
  return lines[0] as string;
}

describe("the sluice CLI on bad input", () => {
  it("says in one line what is wrong and what to do, with a meaningful exit code", async () => {
    const down = cliEnv({ SLUICE_API_URL: `http://127.0.0.1:${await closedPort()}` });
    const unreachable = await runCli(["get", "kustomizations"], down);
    expect(unreachable.code).toBe(1);
    expect(oneLine(unreachable.stderr)).toMatch(
      /^✗ cannot reach the sluice API at http:\/\/127\.0\.0\.1:\d+ \(from --api-url\): connection refused; check the context's url/,
    );
    // --verbose adds the stack trace that is otherwise left out.
    const verbose = await runCli(["get", "ks", "--verbose"], down);
    expect(verbose.stderr.split("\n").length).toBeGreaterThan(2);
    expect(verbose.stderr).toMatch(/\n\s+at /);

    const flag = await runCli(["get", "ks", "--colour"], down);
    expect(flag.code).toBe(2);
    expect(oneLine(flag.stderr)).toBe("✗ unknown option '--colour'; see `sluice get kustomizations --help`");

    const missing = await runCli(["reconcile", "kustomization"], down);
    expect(missing.code).toBe(2);
    expect(oneLine(missing.stderr)).toBe(
      "✗ missing required argument 'name'; see `sluice reconcile kustomization --help`",
    );

    const timeout = await runCli(["reconcile", "ks", "apps", "--timeout", "soon"], down);
    expect(timeout.code).toBe(2);
    expect(oneLine(timeout.stderr)).toBe("✗ --timeout must be a duration such as 30s, 5m or 1h, got 'soon'");

    const badCreate = await runCli(
      ["create", "source", "git", "x", "--url", "ssh://git@example.com/x", "--export"],
      down,
    );
    expect(badCreate.code).toBe(2);
    expect(oneLine(badCreate.stderr)).toBe(
      "✗ --url must be a https or http URL, got 'ssh://git@example.com/x'",
    );
  });

  it("names an unknown object or context", async () => {
    const runtime = await localRuntime();
    const env = cliEnv({ SLUICE_API_URL: runtime.url });
    const unknown = await runCli(["reconcile", "source", "git", "nope", "-n", "apps"], env);
    expect(unknown.code).toBe(1);
    expect(oneLine(unknown.stderr)).toBe(
      "✗ GitRepository apps/nope not found; list what there is with `sluice get all -A`, or check the name and -n/--namespace",
    );
    const eventsFor = await runCli(["events", "--for", "Kustomization/nope"], env);
    expect(eventsFor.code).toBe(1);
    expect(oneLine(eventsFor.stderr)).toMatch(/^✗ Kustomization flux-system\/nope not found; /);

    const config = join(await tempDir("sluice-cli-config-"), "config.yaml");
    await writeFile(config, `current-context: local\ncontexts:\n  - name: local\n    url: ${runtime.url}\n`);
    const viaConfig = await runCli(["get", "all"], cliEnv({ SLUICE_CONFIG: config }));
    expect(viaConfig.code).toBe(0);
    expect(viaConfig.stderr).toContain("no objects found in namespace flux-system");
    const wrong = await runCli(["get", "all", "--context", "prod"], cliEnv({ SLUICE_CONFIG: config }));
    expect(wrong.code).toBe(2);
    expect(oneLine(wrong.stderr)).toBe("✗ no context named 'prod'; known contexts: local");
  });

  it("signs requests to a deployed stack with SigV4 and explains a refusal as a credentials problem", async () => {
    const api = await refusingFunctionUrl("The security token included in the request is expired");
    const config = join(await tempDir("sluice-cli-aws-"), "config.yaml");
    await writeFile(
      config,
      `current-context: prod\ncontexts:\n  - name: prod\n    url: ${api.url}\n    aws: { region: eu-west-1 }\n`,
    );
    const env = cliEnv({
      SLUICE_CONFIG: config,
      AWS_ACCESS_KEY_ID: "AKIAEXAMPLEEXPIRED",
      AWS_SECRET_ACCESS_KEY: "secret",
      AWS_SESSION_TOKEN: "old-session",
      AWS_EC2_METADATA_DISABLED: "true",
    });
    const refused = await runCli(["get", "ks"], env);
    expect(refused.code).toBe(1);
    expect(oneLine(refused.stderr)).toBe(
      "✗ the API refused the request (403 The security token included in the request is expired); your AWS credentials may have expired or lack lambda:InvokeFunctionUrl on the api function; refresh them",
    );
    expect(api.seen[0]?.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIAEXAMPLEEXPIRED\/\d{8}\/eu-west-1\/lambda\/aws4_request, SignedHeaders=\S*host\S*, Signature=[0-9a-f]{64}$/,
    );
    expect(api.seen[0]?.["x-amz-security-token"]).toBe("old-session");

    // No credentials at all: said before any request is made.
    const home = await tempDir("sluice-cli-home-");
    const none = await runCli(
      ["get", "ks"],
      cliEnv({ SLUICE_CONFIG: config, HOME: home, AWS_PROFILE: "ops", AWS_EC2_METADATA_DISABLED: "true" }),
    );
    expect(none.code).toBe(1);
    expect(oneLine(none.stderr)).toMatch(
      /^✗ no usable AWS credentials \(profile 'ops'\): .*; refresh them \(e\.g\. `aws sso login --profile ops`\)/,
    );
    expect(api.seen).toHaveLength(1);
  });
});
