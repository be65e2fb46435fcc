import { spawn } from "node:child_process";
import * as fs from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { AppsV1Api, CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import git from "isomorphic-git";
import http from "isomorphic-git/http/node";
import { describe, expect, it, onTestFinished } from "vitest";
import { parse } from "yaml";
import { cacheRoot } from "../env/cache.ts";
import { testEnv } from "../env/context.ts";
import { tempDir } from "../helpers/temp-dir.ts";

const cli = fileURLToPath(new URL("../../shared/cli/main.ts", import.meta.url));

/** One CLI command to its end, as the guide tells a newcomer to run it. */
function runCli(args: readonly string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { env: { ...process.env, NO_COLOR: "1" } });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.stdout.resume();
    child.once("close", (code) => resolve({ code, stderr }));
  });
}
const exampleGreeting = fileURLToPath(
  new URL("../../examples/quickstart/apps/greeting.yaml", import.meta.url),
);

/**
 * `npm start` as a newcomer runs it: no KUBECONFIG and a home with no ~/.kube/config. The
 * built servers come from the test run's cache, so nothing is built twice.
 */
function startSluice(dataDir: string, home: string) {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, SLUICE_TEST_CACHE: cacheRoot() };
  for (const name of ["KUBECONFIG", "SLUICE_ROOT_URL", "SLUICE_ROOT_PATH", "SLUICE_ROOT_BRANCH"])
    delete env[name];
  const child = spawn(process.execPath, [cli, "start", "--data-dir", dataDir, "--port", "0"], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const collect = (chunk: string) => {
    out += chunk;
  };
  child.stdout.setEncoding("utf8").on("data", collect);
  child.stderr.setEncoding("utf8").on("data", collect);
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  let done = false;
  void exited.then(() => {
    done = true;
  });
  onTestFinished(async () => {
    if (done) return;
    // SIGINT, not SIGKILL: sluice stops the servers it started.
    child.kill("SIGINT");
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 20_000))]);
    child.kill("SIGKILL");
  });
  return {
    output: () => out,
    /** Waits until the output matches, failing at once (with the output) if sluice exits first. */
    async waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const match = out.match(pattern);
        if (match) return match;
        if (done) throw new Error(`sluice exited before printing ${pattern}:\n${out}`);
        if (Date.now() > deadline) throw new Error(`sluice did not print ${pattern} in time:\n${out}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    },
    async interrupt(): Promise<number | null> {
      child.kill("SIGINT");
      return exited;
    },
  };
}

/** What the first run prints that a newcomer copies: the API, the clone URL and the kubeconfig. */
async function guideOf(run: ReturnType<typeof startSluice>) {
  // The last line of the guide: everything before it is printed.
  await run.waitFor(/get all -A\n/, 300_000);
  const text = run.output();
  const pick = (pattern: RegExp) => {
    const value = text.match(pattern)?.[1];
    if (!value) throw new Error(`no ${pattern} in:\n${text}`);
    return value;
  };
  return {
    text,
    apiUrl: pick(/API\s+(http:\/\/127\.0\.0\.1:\d+)/),
    cloneUrl: pick(/git clone (http:\/\/\S+)/),
    kubeconfig: pick(/--kubeconfig (\S+) -n podinfo-demo/),
  };
}

function greetingIn(kubeconfig: string) {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  return {
    kc,
    core,
    message: () =>
      core.readNamespacedConfigMap({ name: "greeting", namespace: "podinfo-demo" }).then(
        (cm) => cm.data?.message,
        () => undefined,
      ),
  };
}

/** Whether anything accepts connections on a URL's port. */
function listening(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

describe("the first run of `npm start`", () => {
  it("brings up a development cluster, syncs the example from a local repository, lands a push, and keeps the repository across starts", {
    timeout: 600_000,
  }, async () => {
    const dataDir = await tempDir("sluice-first-run-");
    const home = await tempDir("sluice-first-run-home-");
    const original = (parse(await readFile(exampleGreeting, "utf8")) as { data: { message: string } }).data
      .message;

    const first = startSluice(dataDir, home);
    const guide = await guideOf(first);
    expect(guide.text).toContain("no cluster configured");
    expect(guide.text).toContain("created from examples/quickstart");
    // What was applied, as the inventories hold it.
    expect(guide.text).toMatch(
      /Kustomization\/flux-system\/apps\n\s+ConfigMap\/podinfo-demo\/greeting\n\s+Deployment\/podinfo-demo\/podinfo/,
    );

    // The example is in the development cluster, which is not the test run's own.
    const cluster = greetingIn(guide.kubeconfig);
    const server = cluster.kc.getCurrentCluster()?.server ?? "";
    expect(server).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(server).not.toBe(testEnv().kube.server);
    expect(await cluster.message()).toBe(original);
    const deployment = await cluster.kc
      .makeApiClient(AppsV1Api)
      .readNamespacedDeployment({ name: "podinfo", namespace: "podinfo-demo" });
    expect(deployment.spec?.replicas).toBe(0);

    // A push through the printed clone URL, as the guide says.
    const work = await tempDir("sluice-first-run-clone-");
    await git.clone({ fs, http, dir: work, url: guide.cloneUrl, ref: "main", singleBranch: true });
    const greetingFile = join(work, "apps", "greeting.yaml");
    const changed = "Hello from the first-run test";
    await writeFile(greetingFile, (await readFile(greetingFile, "utf8")).replace(original, changed));
    await git.add({ fs, dir: work, filepath: "apps/greeting.yaml" });
    await git.commit({
      fs,
      dir: work,
      message: "A new greeting",
      author: { name: "Newcomer", email: "newcomer@example.com" },
    });
    await git.push({ fs, http, dir: work, remote: "origin", ref: "main" });

    // The guide's own line: the CLI fetches at once and waits until the change is applied.
    const reconcile = await runCli([
      "reconcile",
      "kustomization",
      "apps",
      "--with-source",
      "--api-url",
      guide.apiUrl,
    ]);
    expect(reconcile.code).toBe(0);
    expect(reconcile.stderr).toMatch(/✔ .*applied revision/i);
    expect(await cluster.message()).toBe(changed);
    // And the terminal said so.
    await first.waitFor(
      /Kustomization\/flux-system\/apps \S+: ConfigMap\/podinfo-demo\/greeting configured/,
      30_000,
    );

    expect(await first.interrupt()).toBe(0);
    // Ctrl-C stopped sluice and every server it started.
    const gitUrl = guide.cloneUrl.replace(/\/\/[^@]+@/, "//");
    for (const url of [guide.apiUrl, server, gitUrl]) expect(await listening(url)).toBe(false);

    // A second start: a new, empty cluster gets everything again, from the repository as pushed.
    const second = startSluice(dataDir, home);
    const again = await guideOf(second);
    expect(again.text).toContain("kept from the last start");
    expect(again.text).toContain("the cluster is new: applying 3 Kustomizations again");
    // The same URL and credentials, so the clone made before still pushes.
    expect(again.cloneUrl).toBe(guide.cloneUrl);
    expect(await greetingIn(again.kubeconfig).message()).toBe(changed);
    expect(await second.interrupt()).toBe(0);
  });
});
