import { describe, expect, it } from "vitest";
import { createApiHandler } from "../../../shared/control/http-api.ts";
import { reconcileObject } from "../../../shared/reconcile/reconcile-object.ts";
import { ReconcilerRegistry } from "../../../shared/reconcile/registry.ts";
import { decodeWorkRequest } from "../../../shared/reconcile/work-request.ts";
import { localBackend, manualClock } from "../../helpers/backends.ts";

const path = "/v1/objects/GitRepository/flux-system/podinfo";
const manifest = `
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: podinfo
  namespace: flux-system
  labels: { team: web }
spec:
  interval: 5m
  url: https://github.com/stefanprodan/podinfo
  ref: { branch: master }
`;

async function api() {
  const clock = manualClock();
  const backend = await localBackend(clock);
  const deps = { ...backend, clock };
  return { handle: createApiHandler(deps), deps };
}

describe("registering objects through the API", () => {
  it("PUT registers a Flux manifest, a changed spec bumps the generation, DELETE has the worker remove it", async () => {
    const { handle, deps } = await api();
    const created = await handle({ method: "PUT", path, query: {}, body: manifest });
    expect(created).toMatchObject({
      status: 200,
      body: { kind: "GitRepository", name: "podinfo", generation: 1 },
    });
    const same = await handle({ method: "PUT", path, query: {}, body: manifest });
    expect(same.body).toMatchObject({ generation: 1 });
    const changed = await handle({ method: "PUT", path, query: {}, body: manifest.replace("5m", "1m") });
    expect(changed.body).toMatchObject({ generation: 2 });
    const deleting = await handle({ method: "DELETE", path, query: {} });
    expect(deleting).toMatchObject({ status: 202, body: { deletionRequestedAt: expect.any(String) } });
    // Marked, not gone: the worker finalizes first. A second DELETE is the same request.
    expect(await handle({ method: "DELETE", path, query: {} })).toEqual(deleting);
    const [message] = await deps.queue.receive({ max: 10, visibilityMs: 60_000 });
    expect(message).toBeDefined();
    const request = decodeWorkRequest(message?.body ?? "");
    expect(await reconcileObject(request, "w", { ...deps, registry: new ReconcilerRegistry([]) })).toEqual({
      outcome: "deleted",
    });
    expect(await handle({ method: "GET", path, query: {} })).toMatchObject({ status: 404 });
    expect(await handle({ method: "DELETE", path, query: {} })).toMatchObject({ status: 404 });
  });

  it("PUT queues a new or changed object at once, as Flux reacts to a new generation; an unchanged one queues nothing", async () => {
    const { handle, deps } = await api();
    // Taken and acknowledged, as a worker does: a FIFO group holds back its next message until then.
    const queued = async () => {
      const messages = await deps.queue.receive({ max: 10, visibilityMs: 60_000 });
      for (const message of messages) await deps.queue.ack(message);
      return messages.map((m) => decodeWorkRequest(m.body));
    };
    await handle({ method: "PUT", path, query: {}, body: manifest });
    expect(await queued()).toEqual([expect.objectContaining({ reason: "config" })]);
    await handle({ method: "PUT", path, query: {}, body: manifest });
    expect(await queued()).toEqual([]);
    await handle({ method: "PUT", path, query: {}, body: manifest.replace("5m", "1m") });
    expect(await queued()).toEqual([expect.objectContaining({ reason: "config" })]);
  });

  it.each([
    ["a body that is not YAML", "kind: [", /not valid YAML/],
    [
      "a kind that disagrees with the path",
      manifest.replace("kind: GitRepository", "kind: Bucket"),
      /kind is .{0,2}Bucket/,
    ],
    [
      "a name that disagrees with the path",
      manifest.replace("name: podinfo", "name: other"),
      /metadata.name/,
    ],
    ["no apiVersion", manifest.replace("apiVersion: source.toolkit.fluxcd.io/v1", ""), /apiVersion/],
    ["a spec that is a list", manifest.replace(/spec:[\s\S]*$/, "spec: [1]"), /spec must be an object/],
    [
      "an alias bomb",
      `a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]`,
      /not valid YAML/,
    ],
  ])("refuses %s with 400 and registers nothing", async (_, body, message) => {
    const { handle } = await api();
    const response = await handle({ method: "PUT", path, query: {}, body });
    expect(response.status).toBe(400);
    expect(JSON.stringify(response.body)).toMatch(message);
    expect(await handle({ method: "GET", path, query: {} })).toMatchObject({ status: 404 });
  });
});

describe("suspend and resume through the API", () => {
  it("suspend leaves the schedule and queues nothing; resume queues one run and answers its requestedAt", async () => {
    const clock = manualClock();
    const backend = await localBackend(clock);
    const deps = { ...backend, clock };
    const handle = createApiHandler(deps);
    await handle({ method: "PUT", path, query: {}, body: manifest });
    const taken = async () => {
      const messages = await deps.queue.receive({ max: 10, visibilityMs: 60_000 });
      for (const message of messages) await deps.queue.ack(message);
      return messages.map((m) => decodeWorkRequest(m.body));
    };
    await taken();

    expect(await handle({ method: "POST", path: `${path}/suspend`, query: {} })).toEqual({
      status: 200,
      body: { suspended: true },
    });
    expect(await taken()).toEqual([]);
    expect(
      (await deps.state.getObject({ kind: "GitRepository", namespace: "flux-system", name: "podinfo" }))
        ?.dueAt,
    ).toBeUndefined();

    const resumed = await handle({ method: "POST", path: `${path}/resume`, query: {} });
    expect(resumed).toEqual({ status: 200, body: { suspended: false, requestedAt: expect.any(String) } });
    const requestedAt = (resumed.body as { requestedAt: string }).requestedAt;
    expect(await taken()).toEqual([expect.objectContaining({ reason: "manual", requestedAt })]);
  });
});
