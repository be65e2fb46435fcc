import { randomUUID } from "node:crypto";
import { CoreV1Api } from "@kubernetes/client-node";
import { describe, expect, it, onTestFinished } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { adminKubeConfig, testEnv } from "../../env/context.ts";
import { GitFixture } from "../../helpers/git-fixture.ts";
import { cliEnv, localRuntime, runCli } from "./cli-harness.ts";

function settings(namespace: string, color: string) {
  return {
    "apps/ns.yaml": `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${namespace}\n`,
    "apps/settings.yaml": `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: ${namespace}\ndata:\n  color: ${color}\n`,
  };
}

describe("the sluice CLI against a local runtime, the Git server and the API server", () => {
  it("creates, reconciles, shows, traces, suspends, exports and deletes a GitOps pipeline", {
    timeout: 180_000,
  }, async () => {
    const env = testEnv();
    const ns = `cli-${randomUUID().slice(0, 8)}`;
    const core = adminKubeConfig().makeApiClient(CoreV1Api);
    onTestFinished(async () => {
      await core.deleteNamespace({ name: ns }).catch(() => {});
    });
    const repo = await GitFixture.create(env.git, `cli/${ns}`);
    const first = await repo.commit(settings(ns, "blue"));
    const runtime = await localRuntime();
    const cliEnvironment = cliEnv({ SLUICE_API_URL: runtime.url });
    const sluice = (...args: string[]) => runCli(args, cliEnvironment);
    const color = () =>
      core.readNamespacedConfigMap({ name: "settings", namespace: ns }).then(
        (cm) => cm.data?.color,
        () => undefined,
      );

    // create: registers, then follows the first run to its result.
    const git = await sluice("create", "source", "git", "app", "--url", repo.url, "--branch", "main");
    expect(git.stderr).toContain(`fetched revision main@sha1:${first}`);
    expect(git.code).toBe(0);
    const ksFlags = ["--source", "GitRepository/app", "--path", "./apps", "--prune"];
    const ks = await sluice("create", "kustomization", "app", ...ksFlags);
    expect(ks.stderr).toContain(`applied revision main@sha1:${first}`);
    expect(ks.code).toBe(0);
    expect(await color()).toBe("blue");

    // get: Flux's columns; -o json is the object with its status.
    const table = await sluice("get", "ks");
    expect(table.code).toBe(0);
    const [header, row] = table.stdout.trimEnd().split("\n");
    expect(header?.split(/\s{2,}/)).toEqual(["NAME", "REVISION", "SUSPENDED", "READY", "MESSAGE"]);
    expect(row?.split(/\s{2,}/)).toEqual([
      "app",
      `main@sha1:${first}`,
      "False",
      "True",
      `Applied revision: main@sha1:${first}`,
    ]);
    const all = JSON.parse((await sluice("get", "all", "-o", "json")).stdout) as {
      kind: string;
      items: {
        kind: string;
        metadata: { name: string };
        spec: Record<string, unknown>;
        status: Record<string, unknown>;
      }[];
    };
    expect(all.kind).toBe("List");
    expect(all.items.map((i) => `${i.kind}/${i.metadata.name}`)).toEqual([
      "GitRepository/app",
      "Kustomization/app",
    ]);
    expect(all.items[1]?.spec).toMatchObject({
      path: "./apps",
      prune: true,
      sourceRef: { kind: "GitRepository", name: "app" },
    });

    // reconcile --with-source: the new commit is fetched, then applied, each followed to its end.
    const second = await repo.commit(settings(ns, "green"));
    const reconciled = await sluice("reconcile", "ks", "app", "--with-source");
    expect(reconciled.code).toBe(0);
    expect(reconciled.stderr).toMatch(
      new RegExp(`fetched revision main@sha1:${second}[\\s\\S]*applied revision main@sha1:${second}`),
    );
    expect(await color()).toBe("green");

    // events and logs tell what happened.
    const events = await sluice("events", "--for", "Kustomization/app");
    expect(events.code).toBe(0);
    expect(events.stdout.split("\n")[0]?.split(/\s{2,}/)).toEqual([
      "LAST SEEN",
      "TYPE",
      "REASON",
      "OBJECT",
      "MESSAGE",
    ]);
    expect(events.stdout).toContain(`ConfigMap/${ns}/settings configured`);
    const logs = await sluice("logs", "--kind", "kustomization");
    expect(logs.stdout).toMatch(/^\S+Z info {2}Kustomization\/flux-system\/app ReconciliationSucceeded: /m);
    expect(logs.stdout).not.toContain("GitRepository/");

    // tree and trace: what it applied, and where an object came from.
    const tree = await sluice("tree", "kustomization", "app");
    expect(tree.stdout).toBe(
      `Kustomization/flux-system/app\n├── Namespace/${ns}\n└── ConfigMap/${ns}/settings\n`,
    );
    const traced = await sluice("trace", "configmap", "settings", "-n", ns);
    expect(traced.code).toBe(0);
    expect(traced.stdout).toContain(`Object: ConfigMap/${ns}/settings`);
    expect(traced.stdout).toContain("managed by sluice");
    expect(traced.stdout).toContain("Applied by: Kustomization/flux-system/app");
    expect(traced.stdout).toContain(`From: GitRepository/flux-system/app`);
    expect(traced.stdout).toContain(`URL:       ${repo.url}`);
    expect(traced.stdout).toContain(`main@sha1:${second}`);
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "by-hand" } } });
    const untraced = await sluice("trace", "cm/by-hand", "-n", ns);
    expect(untraced.code).toBe(1);
    expect(untraced.stderr).toMatch(/^✗ ConfigMap\/.+\/by-hand is not managed by sluice; /);

    // suspend stops reconcile requests; resume runs it again and waits for the result.
    expect((await sluice("suspend", "ks", "app")).code).toBe(0);
    const suspended = JSON.parse((await sluice("get", "ks", "app", "-o", "json")).stdout) as {
      spec: { suspend?: boolean };
    };
    expect(suspended.spec.suspend).toBe(true);
    const refused = await sluice("reconcile", "ks", "app");
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim()).toBe(
      "✗ Kustomization flux-system/app is suspended; resume it first: sluice resume kustomization app -n flux-system",
    );
    const resumed = await sluice("resume", "ks", "app");
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toContain(`applied revision main@sha1:${second}`);

    // export gives back what create --export printed: the manifest to commit.
    const exported = await sluice("export", "kustomization", "app");
    const created = await sluice("create", "kustomization", "app", ...ksFlags, "--export");
    expect(parse(exported.stdout.replace(/^---\n/, ""))).toEqual(parse(created.stdout.replace(/^---\n/, "")));
    const sources = await sluice("export", "source", "git", "--all");
    expect(parseAllDocuments(sources.stdout).map((d) => d.toJS().spec.url)).toEqual([repo.url]);

    // delete prunes what the Kustomization applied, then removes it.
    const deleted = await sluice("delete", "ks", "app", "--silent");
    expect(deleted.code).toBe(0);
    expect(await color()).toBeUndefined();
    const gone = await sluice("get", "ks", "app");
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/^✗ Kustomization flux-system\/app not found; /);
  });
});
