// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${var}` text is what postBuild substitutes
import { randomUUID } from "node:crypto";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { CoreV1Api } from "@kubernetes/client-node";
import { describe, expect, it, onTestFinished } from "vitest";
import { parseAllDocuments } from "yaml";
import { adminKubeConfig, testEnv } from "../../env/context.ts";
import { GitFixture } from "../../helpers/git-fixture.ts";
import { tempDir } from "../../helpers/temp-dir.ts";
import { cliEnv, localRuntime, runCli } from "./cli-harness.ts";

/** The app's files; its color comes from the cluster (substituteFrom), its team from the spec. */
function app(token: string): Record<string, string> {
  return {
    "apps/kustomization.yaml": "resources:\n- settings.yaml\n- token.yaml\n",
    "apps/settings.yaml":
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  color: ${color:=red}\n  team: ${team}\n",
    "apps/token.yaml": `apiVersion: v1\nkind: Secret\nmetadata:\n  name: token\nstringData:\n  token: ${token}\n`,
  };
}

async function writeFiles(root: string, files: Record<string, string | null>): Promise<void> {
  for (const [path, text] of Object.entries(files)) {
    const full = join(root, path);
    if (text === null) await rm(full, { force: true });
    else {
      await mkdir(join(full, ".."), { recursive: true });
      await writeFile(full, text);
    }
  }
}

describe("sluice build and diff on a local folder", () => {
  it("renders offline, and diffs against the live cluster with exit code 1 only when it differs", {
    timeout: 180_000,
  }, async () => {
    const env = testEnv();
    const ns = `cli-diff-${randomUUID().slice(0, 8)}`;
    const core = adminKubeConfig().makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: ns } } });
    onTestFinished(async () => {
      await core.deleteNamespace({ name: ns }).catch(() => {});
    });
    const secret = `s3cret-${randomUUID()}`;
    const repo = await GitFixture.create(env.git, `cli-diff/${ns}`);
    await repo.commit(app(secret));
    const runtime = await localRuntime();
    const sluice = (...args: string[]) => runCli(args, cliEnv({ SLUICE_API_URL: runtime.url }));
    expect((await sluice("create", "source", "git", "app", "--url", repo.url, "--branch", "main")).code).toBe(
      0,
    );
    // The variable comes from the cluster (substituteFrom), which only diff reads.
    await core.createNamespace({ body: { metadata: { name: "flux-system" } } }).catch(() => {});
    await core.createNamespacedConfigMap({
      namespace: "flux-system",
      body: { metadata: { name: `vars-${ns}` }, data: { color: "blue" } },
    });
    onTestFinished(async () => {
      await core.deleteNamespacedConfigMap({ name: `vars-${ns}`, namespace: "flux-system" }).catch(() => {});
    });
    const manifest = await sluice(
      "create",
      "kustomization",
      "app",
      "--source",
      "app",
      "--path",
      "./apps",
      "--prune",
      "--target-namespace",
      ns,
      "--export",
    );
    const ksFile = join(await tempDir("sluice-cli-ks-"), "app.yaml");
    await writeFile(
      ksFile,
      manifest.stdout.replace(
        "  prune: true\n",
        `  prune: true\n  postBuild:\n    substitute:\n      team: web\n    substituteFrom:\n      - kind: ConfigMap\n        name: vars-${ns}\n`,
      ),
    );
    // Registered from the file, through the API, as a GitOps user's repository would.
    const put = await fetch(`${runtime.url}/v1/objects/Kustomization/flux-system/app`, {
      method: "PUT",
      body: await readFile(ksFile, "utf8"),
    });
    expect(put.status).toBe(200);
    expect((await sluice("reconcile", "ks", "app")).code).toBe(0);
    const live = await core.readNamespacedConfigMap({ name: "settings", namespace: ns });
    expect(live.data).toEqual({ color: "blue", team: "web" });

    // A local checkout of the repository (a folder with .git: its root is found from there).
    const checkout = await tempDir("sluice-cli-checkout-");
    await mkdir(join(checkout, ".git"));
    await writeFiles(checkout, app(secret));
    const local = join(checkout, "apps");

    // build: offline, from a file, with the API unreachable; substituteFrom is not read, defaults apply.
    const offline = cliEnv({ SLUICE_API_URL: "http://127.0.0.1:9" });
    const built = await runCli(
      ["build", "kustomization", "app", "--path", local, "--kustomization-file", ksFile],
      offline,
    );
    expect(built.code).toBe(0);
    expect(built.stderr).toContain("postBuild.substituteFrom is not read offline");
    const docs = parseAllDocuments(built.stdout).map(
      (d) =>
        d.toJS() as {
          kind: string;
          metadata: { namespace: string; labels: Record<string, string> };
          data?: Record<string, string>;
        },
    );
    expect(docs.map((d) => d.kind)).toEqual(["ConfigMap", "Secret"]);
    expect(docs[0]?.data).toEqual({ color: "red", team: "web" });
    expect(docs[0]?.metadata.namespace).toBe(ns);
    expect(docs[0]?.metadata.labels).toEqual({
      "kustomize.toolkit.fluxcd.io/name": "app",
      "kustomize.toolkit.fluxcd.io/namespace": "flux-system",
    });

    // diff: the same content as applied is no change.
    const same = await sluice("diff", "kustomization", "app", "--path", local);
    expect(same.stderr).toContain("no changes");
    expect(same.code).toBe(0);

    // A changed value, a new object, a removed one and a changed secret: exit 1, nothing applied.
    await writeFiles(checkout, {
      "apps/kustomization.yaml": "resources:\n- settings.yaml\n- extra.yaml\n",
      "apps/settings.yaml":
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  color: green\n  team: ${team}\n",
      "apps/extra.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\ndata:\n  size: large\n",
    });
    const changed = await sluice("diff", "kustomization", "app", "--path", local);
    expect(changed.code).toBe(1);
    expect(changed.stdout).toContain(
      `► ConfigMap/${ns}/settings drifted\n    data.color\n      - blue\n      + green\n`,
    );
    expect(changed.stdout).toContain(`► ConfigMap/${ns}/extra created\n`);
    expect(changed.stdout).toContain(`► Secret/${ns}/token deleted\n`);
    expect((await core.readNamespacedConfigMap({ name: "settings", namespace: ns })).data).toEqual({
      color: "blue",
      team: "web",
    });

    await writeFiles(checkout, {
      "apps/kustomization.yaml": "resources:\n- settings.yaml\n- token.yaml\n",
      "apps/settings.yaml": app(secret)["apps/settings.yaml"] as string,
      "apps/token.yaml": app("rotated-value")["apps/token.yaml"] as string,
      "apps/extra.yaml": null,
    });
    const rotated = await sluice("diff", "kustomization", "app", "--path", local, "-o", "json");
    expect(rotated.code).toBe(1);
    expect(JSON.parse(rotated.stdout)).toEqual({
      changes: [
        {
          subject: `Secret/${ns}/token`,
          action: "configured",
          changes: [{ path: "data.token", before: "***** (before)", after: "***** (after)" }],
        },
      ],
    });
    expect(rotated.stdout).not.toContain(secret);
    expect(rotated.stdout).not.toContain("rotated-value");
  });
});
