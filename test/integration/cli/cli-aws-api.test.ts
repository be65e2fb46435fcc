import { randomUUID } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { SQSClient } from "@aws-sdk/client-sqs";
import { describe, expect, it, onTestFinished } from "vitest";
import { awsClientConfig, testEnv } from "../../env/context.ts";
import { startFunctionUrl } from "../../helpers/function-url-server.ts";
import { GitFixture } from "../../helpers/git-fixture.ts";
import { lambdaContext, receiveAll, sqsRecord } from "../../helpers/lambda-events.ts";
import { provisionMotoStack } from "../../helpers/moto-stack.ts";
import { tempDir } from "../../helpers/temp-dir.ts";
import { cliEnv, runCli } from "./cli-harness.ts";

const REGION = "us-east-1";

/**
 * The CLI against a deployed stack's API, as far as a machine without AWS allows: the real API and
 * worker handlers on the stack's resources in moto, the API behind a loopback stand-in for its
 * IAM-authenticated function URL that checks SigV4 as the service does, and the CLI a separate
 * process signing with the credentials of its context. What this cannot show: IAM policy
 * evaluation and the real function URL front end.
 */
describe("the sluice CLI against the stack's API handler (moto), signed with SigV4", () => {
  it("registers a source, follows its run, and reads its events and logs from the event table", {
    timeout: 120_000,
  }, async () => {
    const name = `sluice-cli-${randomUUID().slice(0, 8)}`;
    const stack = await provisionMotoStack(name, { region: REGION });
    const saved = { ...process.env };
    onTestFinished(() => {
      process.env = saved;
    });
    Object.assign(process.env, stack.env, {
      POWERTOOLS_LOG_LEVEL: "SILENT",
      POWERTOOLS_METRICS_DISABLED: "true",
    });
    const { handler: api } = await import("../../../functions/api.ts");
    const { handler: worker } = await import("../../../functions/worker.ts");
    const credentials = awsClientConfig().credentials;
    const functionUrl = await startFunctionUrl(api, { ...credentials, region: REGION });

    // The event source mapping's part, while the CLI waits: queue → worker, until stopped.
    const sqs = new SQSClient(awsClientConfig());
    const queueArn = `arn:aws:sqs:${REGION}:123456789012:${name}.fifo`;
    let pumping = true;
    const pump = (async () => {
      while (pumping) {
        const messages = await receiveAll(sqs, stack.queues.queueUrl);
        if (messages.length > 0)
          await worker(
            { Records: messages.map((m) => sqsRecord(m, queueArn, REGION)) },
            lambdaContext("worker", REGION),
          );
      }
    })();
    onTestFinished(async () => {
      pumping = false;
      await pump;
    });

    const config = join(await tempDir("sluice-cli-aws-"), "config.yaml");
    await writeFile(
      config,
      `current-context: prod\ncontexts:\n  - name: prod\n    url: ${functionUrl.url}\n    aws: { region: ${REGION} }\n`,
    );
    const signedEnv = cliEnv({
      SLUICE_CONFIG: config,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    });
    const sluice = (...args: string[]) => runCli(args, signedEnv);

    const repo = await GitFixture.create(testEnv().git, `cli-aws/${name}`);
    const commit = await repo.commit({ "deploy/app.yaml": "kind: ConfigMap\n" });
    const created = await sluice("create", "source", "git", "podinfo", "--url", repo.url, "--branch", "main");
    expect(created.stderr).toContain(`fetched revision main@sha1:${commit}`);
    expect(created.code).toBe(0);

    const table = await sluice("get", "sources", "git");
    expect(table.code).toBe(0);
    expect(table.stdout).toContain(`main@sha1:${commit}`);

    const events = await sluice("events", "--for", "GitRepository/podinfo");
    expect(events.code).toBe(0);
    expect(events.stdout).toMatch(
      /Normal\s+ArtifactUpdated\s+GitRepository\/podinfo\s+stored artifact for commit/,
    );
    const logs = await sluice("logs", "--kind", "GitRepository");
    expect(logs.code).toBe(0);
    expect(logs.stdout).toContain("stored artifact for commit");

    // Credentials that no longer match: the function URL refuses, the CLI says what to do.
    const refused = await runCli(["get", "all"], { ...signedEnv, AWS_SECRET_ACCESS_KEY: "not-the-key" });
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim().split("\n")).toHaveLength(1);
    expect(refused.stderr).toMatch(/credentials may have expired/);
    expect(refused.stderr).not.toMatch(/\bat .*\.ts:\d+/);
  });
});
