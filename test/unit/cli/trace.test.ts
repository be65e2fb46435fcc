import { describe, expect, it } from "vitest";
import { renderTrace, trace } from "../../../shared/cli/commands/trace.ts";
import { CliError } from "../../../shared/cli/errors.ts";
import { Session } from "../../../shared/cli/session.ts";
import { objectView } from "../../helpers/object-view.ts";

const owner = (name: string) => ({
  "kustomize.toolkit.fluxcd.io/name": name,
  "kustomize.toolkit.fluxcd.io/namespace": "flux-system",
});

const view = objectView;

const ready = (message: string, revision: Record<string, unknown>) => ({
  ...revision,
  conditions: [{ type: "Ready", status: "True", message }],
});

const OBJECTS = [
  view("Kustomization", "apps", {
    metadata: { labels: owner("flux-system") },
    spec: { path: "./apps", sourceRef: { kind: "GitRepository", name: "fleet" } },
    status: {
      ...ready("Applied revision: main@sha1:1", { lastAppliedRevision: "main@sha1:1" }),
      inventory: { entries: [{ id: "web_web_apps_Deployment", v: "v1" }] },
    },
  }),
  view("Kustomization", "flux-system", {
    spec: { path: "./clusters/dev", sourceRef: { kind: "GitRepository", name: "fleet" } },
    status: ready("Applied revision: main@sha1:1", { lastAppliedRevision: "main@sha1:1" }),
  }),
  view("GitRepository", "fleet", {
    spec: { url: "https://git.example/fleet.git", ref: { branch: "main" } },
    status: ready("stored artifact", { artifact: { revision: "main@sha1:1" } }),
  }),
];

function session(): Session {
  const fetch = (async (input: string | URL | Request) => {
    const path = new URL(String(input)).pathname;
    const found = OBJECTS.find((o) => path === `/v1/objects/${o.kind}/${o.namespace}/${o.name}`);
    return found
      ? Response.json(found)
      : Response.json({ error: { reason: "NotFound", message: "no" } }, { status: 404 });
  }) as typeof globalThis.fetch;
  const term = { out: () => {}, err: () => {}, color: false, interactive: false };
  return new Session(
    { term, env: { SLUICE_API_URL: "http://sluice.test" }, cwd: "/", fetch },
    { namespace: "web", timeout: "1m" },
  );
}

const deployment = {
  subject: "Deployment/web/web",
  apiVersion: "apps/v1",
  kind: "Deployment",
  namespace: "web",
  name: "web",
};

describe("trace", () => {
  it("follows the owner labels up to the root, with each Kustomization's source", async () => {
    const steps = await trace(session(), { ...deployment, labels: owner("apps") });
    expect(steps.map((s) => s.title)).toEqual([
      "Deployment/web/web",
      "Kustomization/flux-system/apps",
      "GitRepository/flux-system/fleet",
      "Kustomization/flux-system/flux-system",
      "GitRepository/flux-system/fleet",
    ]);
    const text = renderTrace(steps);
    expect(text).toContain("---\nRegistered by: Kustomization/flux-system/flux-system\n");
    expect(text.split("\n---\n")[0]).toBe(
      "Object: Deployment/web/web\n  Kind:      Deployment\n  Status:    managed by sluice",
    );
    expect(text).toContain(
      "Applied by: Kustomization/flux-system/apps\n  Path:      ./apps\n  Revision:  main@sha1:1",
    );
    expect(text).toContain(
      "From: GitRepository/flux-system/fleet\n  URL:       https://git.example/fleet.git\n  Branch:    main",
    );
  });

  it("says when the object is labelled but not in the inventory, or not managed at all", async () => {
    const stray = await trace(session(), {
      ...deployment,
      name: "old",
      subject: "Deployment/web/old",
      labels: owner("apps"),
    });
    expect(stray[0]?.fields).toContainEqual([
      "Status",
      "labelled by sluice, but not in its Kustomization's inventory",
    ]);
    const orphan = await trace(session(), { ...deployment, labels: owner("removed") });
    expect(orphan[1]).toEqual({
      title: "Kustomization/flux-system/removed",
      fields: [["Status", "no longer registered: the object was left behind"]],
    });
    await expect(trace(session(), { ...deployment, labels: {} })).rejects.toThrow(CliError);
  });
});
