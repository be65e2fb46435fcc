import { randomUUID } from "node:crypto";
import { CoreV1Api } from "@kubernetes/client-node";
import { describe, expect, it, onTestFinished } from "vitest";
import { adminKubeConfig, testEnv } from "../../env/context.ts";
import { GitFixture } from "../../helpers/git-fixture.ts";
import { cliEnv, localRuntime, runCli } from "./cli-harness.ts";

interface StatsJson {
  readonly namespace: string | null;
  readonly items: {
    kind: string;
    total: number;
    running: number;
    failing: number;
    suspended: number;
    storageBytes: number | null;
  }[];
}

describe("Flux's CLI habits: suspend/resume --all, get --status-selector, stats", () => {
  it("acts on every object of a kind, filters by condition and counts per kind", {
    timeout: 180_000,
  }, async () => {
    const env = testEnv();
    const id = randomUUID().slice(0, 8);
    const ns = `parity-${id}`;
    const core = adminKubeConfig().makeApiClient(CoreV1Api);
    onTestFinished(async () => {
      await core.deleteNamespace({ name: ns }).catch(() => {});
    });
    const repo = await GitFixture.create(env.git, `cli-parity/${id}`);
    const commit = await repo.commit({
      "apps/ns.yaml": `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${ns}\n`,
      "apps/cm.yaml": `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: ${ns}\ndata:\n  a: "1"\n`,
    });
    // No commit: every fetch fails, so this one stays Ready=False.
    const empty = await GitFixture.create(env.git, `cli-parity/${id}-empty`);
    const runtime = await localRuntime();
    const cli = cliEnv({ SLUICE_API_URL: runtime.url });
    const sluice = (...args: string[]) => runCli(args, cli);
    const stats = async (...args: string[]) => {
      const run = await sluice("stats", "-o", "json", ...args);
      expect(run.code).toBe(0);
      const parsed = JSON.parse(run.stdout) as StatsJson;
      return (kind: string) => parsed.items.find((i) => i.kind === kind);
    };

    const git = (name: string, url: string, ...more: string[]) =>
      sluice("create", "source", "git", name, "--url", url, "--branch", "main", ...more);
    // Each CLI run is a Node.js start-up; independent ones run side by side to keep the test short.
    const created = await Promise.all([
      git("app", repo.url),
      git("empty", empty.url),
      git("other", repo.url, "-n", "team-x"),
    ]);
    expect(created.map((c) => c.code)).toEqual([0, 1, 0]);
    const ks = await sluice(
      "create",
      "kustomization",
      "app",
      "--source",
      "GitRepository/app",
      "--path",
      "./apps",
    );
    expect(ks.code).toBe(0);

    // --status-selector keeps only the rows whose condition matches; the type and status in any case.
    const [failing, ready, none, malformed, table, here, everywhereBefore] = await Promise.all([
      sluice("get", "sources", "git", "--status-selector", "ready=false"),
      sluice("get", "all", "-A", "--status-selector", "READY=True", "-o", "name"),
      sluice("get", "ks", "--status-selector", "stalled=true"),
      sluice("get", "ks", "--status-selector", "ready"),
      sluice("stats"),
      stats(),
      stats("-A"),
    ]);
    expect(failing.code).toBe(0);
    expect(
      failing.stdout
        .trimEnd()
        .split("\n")
        .slice(1)
        .map((l) => l.split(/\s+/)[0]),
    ).toEqual(["empty"]);
    expect(ready.stdout.trimEnd().split("\n").sort()).toEqual([
      "gitrepository/app",
      "gitrepository/other",
      "kustomization/app",
    ]);
    expect(none.code).toBe(0);
    expect(none.stdout).toBe("");
    expect(none.stderr).toContain(
      "no Kustomization objects matching stalled=true found in namespace flux-system",
    );
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain("--status-selector must be <condition>=<status>, got 'ready'");

    // stats: running is everything not suspended (a failing source too), storage the artifacts' sum.
    expect(table.code).toBe(0);
    const rows = table.stdout
      .trimEnd()
      .split("\n")
      .map((l) => l.split(/\s{2,}/));
    expect(rows[0]).toEqual(["RECONCILERS", "RUNNING", "FAILING", "SUSPENDED", "STORAGE"]);
    expect(rows.find((r) => r[0] === "GitRepository")?.slice(1, 4)).toEqual(["2", "1", "0"]);
    expect(rows.find((r) => r[0] === "GitRepository")?.[4]).toMatch(/^\d+(\.\d)? (B|KiB)$/);
    expect(rows.find((r) => r[0] === "Kustomization")).toEqual(["Kustomization", "1", "0", "0", "-"]);
    expect(here("GitRepository")).toMatchObject({ total: 2, running: 2, failing: 1, suspended: 0 });
    expect(here("GitRepository")?.storageBytes).toBeGreaterThan(0);
    expect(here("Kustomization")).toMatchObject({ total: 1, storageBytes: null });
    expect(everywhereBefore("GitRepository")).toMatchObject({ total: 3, running: 3 });

    // names or --all, exactly one of them; -A only with --all.
    const refused = await Promise.all(
      [["app", "--all"], [], ["app", "-A"]].map((args) => sluice("suspend", "source", "git", ...args)),
    );
    expect(refused.map((r) => [r.code, r.stdout])).toEqual([
      [2, ""],
      [2, ""],
      [2, ""],
    ]);
    expect(refused[0]?.stderr).toContain("give GitRepository names or --all, not both");

    // suspend --all: the namespace only; one line per object.
    const suspended = await sluice("suspend", "source", "git", "--all");
    expect(suspended.code).toBe(0);
    expect(suspended.stderr).toBe(
      "✔ GitRepository flux-system/app suspended\n✔ GitRepository flux-system/empty suspended\n",
    );
    const [afterHere, afterEverywhere] = await Promise.all([stats(), stats("-A")]);
    expect(afterHere("GitRepository")).toMatchObject({ running: 0, suspended: 2, failing: 1 });
    expect(afterEverywhere("GitRepository")).toMatchObject({ running: 1, suspended: 2 });
    const everywhere = await sluice("suspend", "source", "git", "--all", "-A");
    expect(everywhere.code).toBe(0);
    expect(everywhere.stderr).toContain(
      "✔ GitRepository flux-system/app was already suspended; left as is\n",
    );
    expect(everywhere.stderr).toContain("✔ GitRepository team-x/other suspended\n");

    // resume --all -A: every one resumed and its run followed; the failing one makes it exit 1.
    const resumed = await sluice("resume", "source", "git", "--all", "-A");
    expect(resumed.code).toBe(1);
    expect(resumed.stderr).toContain(`✔ GitRepository flux-system/app resumed at main@sha1:${commit}\n`);
    expect(resumed.stderr).toContain(`✔ GitRepository team-x/other resumed at main@sha1:${commit}\n`);
    expect(resumed.stderr).toMatch(/^✗ GitRepository flux-system\/empty resumed, but its run failed \(/m);
    expect(resumed.stderr).toContain("✗ 1 of 3 resumed GitRepository objects are not ready");
    expect((await stats("-A"))("GitRepository")).toMatchObject({ running: 3, suspended: 0, failing: 1 });
    const again = await sluice("resume", "source", "git", "--all");
    expect(again.code).toBe(0);
    expect(again.stderr).toContain("✔ GitRepository flux-system/app was not suspended; left as is\n");

    // --no-wait returns once resumed.
    expect((await sluice("suspend", "ks", "--all")).code).toBe(0);
    expect((await stats())("Kustomization")).toMatchObject({ running: 0, suspended: 1 });
    const quick = await sluice("resume", "ks", "--all", "--no-wait");
    expect(quick.code).toBe(0);
    expect(quick.stderr).toBe("✔ Kustomization flux-system/app resumed\n");
    expect((await stats())("Kustomization")).toMatchObject({ running: 1, suspended: 0 });
  });
});
