import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { testEnv } from "../../env/context.ts";

const run = promisify(execFile);
const fixtures = fileURLToPath(new URL("../../fixtures", import.meta.url));

type Manifest = {
  kind: string;
  metadata: { name: string; namespace?: string };
  spec: Record<string, unknown>;
};

function documents(yaml: string): Manifest[] {
  return parseAllDocuments(yaml).map((d) => d.toJSON() as Manifest);
}

describe("kubectl, kustomize and helm from the Lambda layer", () => {
  const { tools, kube } = testEnv();

  it("builds a kustomize overlay with prefix, namespace, image and JSON patch", async () => {
    const { stdout } = await run(tools.kubectl, ["kustomize", `${fixtures}/kustomize/overlays/staging`]);
    const rendered = documents(stdout);
    const deployment = rendered.find((m) => m.kind === "Deployment");
    expect(rendered.map((m) => `${m.kind}/${m.metadata.namespace}/${m.metadata.name}`).sort()).toEqual([
      "Deployment/staging/staging-hello",
      "Service/staging/staging-hello",
    ]);
    expect(deployment?.spec.replicas).toBe(3);
    expect(JSON.stringify(deployment)).toContain("ghcr.io/example/hello:1.1.0");
  });

  it("renders a chart with helm template and value overrides", async () => {
    const { stdout } = await run(tools.helm, [
      "template",
      "web",
      `${fixtures}/charts/hello`,
      "--namespace",
      "apps",
      "--set",
      "replicaCount=2",
      "--set",
      "image.tag=2.0.0",
    ]);
    const [deployment] = documents(stdout);
    expect(deployment?.metadata).toMatchObject({ name: "web-hello", namespace: "apps" });
    expect(deployment?.spec.replicas).toBe(2);
    expect(stdout).toContain("ghcr.io/example/hello:2.0.0");
  });

  it("talks to the test API server with the admin kubeconfig", async () => {
    const { stdout } = await run(tools.kubectl, [
      "--kubeconfig",
      kube.kubeconfig,
      "get",
      "namespace",
      "default",
      "-o",
      "name",
    ]);
    expect(stdout.trim()).toBe("namespace/default");
  });
});
