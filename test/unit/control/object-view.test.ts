import { describe, expect, it } from "vitest";
import { createApiHandler } from "../../../shared/control/http-api.ts";
import { localBackend, manualClock } from "../../helpers/backends.ts";

describe("the API's view of an object", () => {
  it("carries the registered labels, annotations and spec, so the CLI can export what was committed", async () => {
    const clock = manualClock();
    const backend = await localBackend(clock);
    const handle = createApiHandler({ ...backend, clock });
    const path = "/v1/objects/Kustomization/flux-system/apps";
    const body = `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: apps
  labels: { team: web }
  annotations: { note: hello }
spec:
  interval: 10m
  path: ./apps
  sourceRef: { kind: GitRepository, name: fleet }
`;
    expect((await handle({ method: "PUT", path, query: {}, body })).status).toBe(200);
    const view = await handle({ method: "GET", path, query: {} });
    expect(view.body).toMatchObject({
      metadata: { labels: { team: "web" }, annotations: { note: "hello" } },
      spec: { interval: "10m", path: "./apps", sourceRef: { kind: "GitRepository", name: "fleet" } },
      suspended: false,
      status: {},
    });
    const list = await handle({ method: "GET", path: "/v1/objects", query: {} });
    expect((list.body as { items: { spec: unknown }[] }).items[0]?.spec).toEqual({
      interval: "10m",
      path: "./apps",
      sourceRef: { kind: "GitRepository", name: "fleet" },
    });
  });
});
