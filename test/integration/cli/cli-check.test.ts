import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { testEnv } from "../../env/context.ts";
import { tempDir } from "../../helpers/temp-dir.ts";
import { cliEnv, localRuntime, runCli } from "./cli-harness.ts";

describe("sluice check", () => {
  it("--pre checks Node.js, kubectl and helm, AWS credentials and the cluster, each ✔ with its version", async () => {
    const env = testEnv();
    const config = join(await tempDir("sluice-cli-check-"), "config.yaml");
    await writeFile(
      config,
      `current-context: stack\ncontexts:\n  - name: stack\n    url: https://abc.lambda-url.${env.aws.region}.on.aws\n    aws: { region: ${env.aws.region} }\n`,
    );
    const checked = await runCli(
      ["check", "--pre"],
      cliEnv({
        SLUICE_CONFIG: config,
        AWS_ACCESS_KEY_ID: env.aws.accessKeyId,
        AWS_SECRET_ACCESS_KEY: env.aws.secretAccessKey,
        // STS answers from moto, as it would from AWS.
        AWS_ENDPOINT_URL_STS: env.aws.endpoint,
        AWS_EC2_METADATA_DISABLED: "true",
      }),
    );
    expect(checked.code).toBe(0);
    const lines = checked.stdout.trimEnd().split("\n");
    expect(lines[0]).toBe("► checking prerequisites");
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(/^✔ Node\.js 24\.\d+\.\d+ \(>=24\)$/),
      expect.stringMatching(/^✔ kubectl v1\.\d+\.\d+ \(/),
      expect.stringMatching(/^✔ helm v\d+\.\d+\.\d+ \(/),
      `✔ AWS region ${env.aws.region} (context stack)`,
      expect.stringMatching(/^✔ AWS credentials: arn:aws:(sts|iam)::\d{12}:/),
      expect.stringMatching(/^✔ Kubernetes v1\.\d+\.\d+ \(>=1\.30\.0\) at https:\/\/127\.0\.0\.1:\d+$/),
      "✔ all checks passed",
    ]);
  });

  it("says what failed and how to fix it, exit code 1; without --pre it also asks the API", async () => {
    const dir = await tempDir("sluice-cli-check-down-");
    const kubeconfig = join(dir, "kubeconfig");
    await writeFile(
      kubeconfig,
      "apiVersion: v1\nkind: Config\nclusters:\n- name: gone\n  cluster:\n    server: https://127.0.0.1:9\ncontexts:\n- name: gone\n  context: {cluster: gone, user: me}\nusers:\n- name: me\n  user: {token: t}\ncurrent-context: gone\n",
    );
    const runtime = await localRuntime();
    const checked = await runCli(
      ["check", "--kubeconfig", kubeconfig],
      cliEnv({ SLUICE_API_URL: runtime.url }),
    );
    expect(checked.code).toBe(1);
    expect(checked.stdout).toMatch(
      /^✗ the target cluster is not reachable: cannot reach the API server https:\/\/127\.0\.0\.1:9: .*\n {2}fix: check the kubeconfig's server/m,
    );
    expect(checked.stdout).toContain("► checking the sluice API\n");
    expect(checked.stdout).toContain(`✔ sluice API at ${runtime.url} answers (context --api-url)\n`);
    expect(checked.stdout.trimEnd().split("\n").at(-1)).toBe("✗ 1 check failed");
  });
});
