import type { Command } from "commander";
import { describe, expect, it } from "vitest";
import type { ObjectView } from "../../../shared/cli/api-client.ts";
import { buildProgram } from "../../../shared/cli/program.ts";
import type { Terminal } from "../../../shared/cli/terminal.ts";

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  const term: Terminal = {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    color: false,
    interactive: false,
  };
  return { term, out: () => out.join(""), err: () => err.join("") };
}

const view = (
  kind: string,
  name: string,
  status: Record<string, unknown>,
  suspended = false,
): ObjectView => ({
  kind,
  namespace: "flux-system",
  name,
  apiVersion: kind === "Kustomization" ? "kustomize.toolkit.fluxcd.io/v1" : "source.toolkit.fluxcd.io/v1",
  generation: 2,
  suspended,
  nextRunAt: null,
  metadata: { labels: { team: "web" }, annotations: { "sluice.dev/deletion-requested-at": "x" } },
  spec: { interval: "1m" },
  status,
});

const OBJECTS = [
  view("GitRepository", "podinfo", {
    artifact: { revision: "main@sha1:abc" },
    conditions: [{ type: "Ready", status: "True", message: "stored artifact for revision 'main@sha1:abc'" }],
  }),
  view(
    "Kustomization",
    "apps",
    {
      lastAppliedRevision: "main@sha1:abc",
      conditions: [
        {
          type: "Ready",
          status: "False",
          reason: "HealthCheckFailed",
          message: "timeout\nwaiting for Deployment/apps/web",
        },
      ],
    },
    true,
  ),
];

/** The API as the local runtime answers, for the requests these tests make. */
const fakeFetch = (async (input: string | URL | Request) => {
  const url = new URL(String(input));
  if (url.pathname === "/v1/objects") return Response.json({ items: OBJECTS });
  const found = OBJECTS.find((o) => url.pathname === `/v1/objects/${o.kind}/${o.namespace}/${o.name}`);
  if (found) return Response.json(found);
  return Response.json({ error: { reason: "NotFound", message: "not found" } }, { status: 404 });
}) as typeof fetch;

async function run(...args: string[]) {
  const io = capture();
  const { program, exitCode } = buildProgram(
    { term: io.term, env: { SLUICE_API_URL: "http://sluice.test" }, cwd: "/", fetch: fakeFetch },
    { start: async () => 0 },
  );
  await program.parseAsync(args, { from: "user" });
  return { ...io, code: exitCode() };
}

function leaves(command: Command): Command[] {
  return [command, ...command.commands.flatMap(leaves)];
}

describe("the sluice program", () => {
  it("prints Flux's columns, one table per kind, with multi-line messages on one line", async () => {
    const { out } = await run("get", "all");
    expect(out()).toBe(
      [
        "NAME                    REVISION        SUSPENDED   READY   MESSAGE",
        "gitrepository/podinfo   main@sha1:abc   False       True    stored artifact for revision 'main@sha1:abc'",
        "",
        "NAME                 REVISION        SUSPENDED   READY   MESSAGE",
        "kustomization/apps   main@sha1:abc   True        False   timeout; waiting for Deployment/apps/web",
        "",
      ].join("\n"),
    );
  });

  it("gives -o json in the Kubernetes shape, keeping sluice's bookkeeping annotations out of export", async () => {
    const json = JSON.parse((await run("get", "ks", "apps", "-o", "json")).out());
    expect(json).toEqual({
      apiVersion: "kustomize.toolkit.fluxcd.io/v1",
      kind: "Kustomization",
      metadata: {
        name: "apps",
        namespace: "flux-system",
        generation: 2,
        labels: { team: "web" },
        annotations: { "sluice.dev/deletion-requested-at": "x" },
      },
      spec: { interval: "1m" },
      status: OBJECTS[1]?.status,
    });
    const exported = (await run("export", "source", "git", "podinfo")).out();
    expect(exported).toBe(
      "---\napiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: podinfo\n  namespace: flux-system\n  labels:\n    team: web\nspec:\n  interval: 1m\n",
    );
  });

  it("has --help with an example on every command", () => {
    const io = capture();
    const { program } = buildProgram({ term: io.term, env: {}, cwd: "/" }, { start: async () => 0 });
    const missing: string[] = [];
    for (const command of leaves(program)) {
      const before = io.out().length;
      command.outputHelp();
      const help = io.out().slice(before);
      if (!/\nExamples:\n {2}(sluice|source) /.test(help)) missing.push(command.name());
    }
    expect(missing).toEqual([]);
    expect(leaves(program).map((c) => c.name())).not.toContain("help");
  });
});
