import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KubeObject } from "../shared/render/kube-object.ts";
import type { KustomizeOverlay } from "../shared/render/overlay.ts";
import { substituteVariables } from "../shared/render/post-build.ts";
import { renderKustomization } from "../shared/render/render-kustomization.ts";
import { memoryFile, type SourceFile } from "../shared/sources/source-file.ts";
import { duration, type Figure, median, round } from "./results.ts";

const OBJECTS = 1_000;
const RUNS = 5;

/** A base of 500 Deployments and 500 ConfigMaps, one file each, and a prod overlay on top. */
function repository(): SourceFile[] {
  const files: SourceFile[] = [];
  const resources: string[] = [];
  for (let i = 0; i < OBJECTS / 2; i++) {
    const name = `app-${i}`;
    resources.push(`${name}.yaml`, `${name}-config.yaml`);
    files.push(
      memoryFile(
        `base/${name}.yaml`,
        `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  labels: { app: ${name} }
spec:
  replicas: 1
  selector: { matchLabels: { app: ${name} } }
  template:
    metadata: { labels: { app: ${name} } }
    spec:
      containers:
        - name: app
          image: podinfo:6.0.0
          env: [{ name: REGION, value: "\${region:=eu-west-1}" }]
`,
      ),
      memoryFile(
        `base/${name}-config.yaml`,
        `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}-config\ndata:\n  level: \${level}\n`,
      ),
    );
  }
  files.push(
    memoryFile("base/kustomization.yaml", `resources:\n${resources.map((r) => `  - ${r}`).join("\n")}\n`),
    memoryFile("overlays/prod/kustomization.yaml", "resources: [../../base]\n"),
  );
  return files;
}

const OVERLAY: KustomizeOverlay = {
  targetNamespace: "prod",
  namePrefix: "prod-",
  patches: [
    {
      patch: "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: any\nspec:\n  replicas: 3\n",
      target: { kind: "Deployment" },
    },
  ],
  images: [{ name: "podinfo", newName: "ghcr.io/stefanprodan/podinfo", newTag: "6.5.0" }],
  commonMetadata: { labels: { "app.kubernetes.io/part-of": "bench" } },
};

/** Build time of a 1,000-object overlay through `kubectl kustomize`, and of substituting it. */
export async function renderFigures(kubectl: string): Promise<Figure[]> {
  const files = repository();
  const renderMs: number[] = [];
  const substituteMs: number[] = [];
  let objects: KubeObject[] = [];
  for (let run = 0; run < RUNS; run++) {
    const workDir = await mkdtemp(join(tmpdir(), "sluice-bench-render-"));
    try {
      const began = performance.now();
      objects = await renderKustomization({
        files,
        path: "./overlays/prod",
        overlay: OVERLAY,
        kubectl,
        workDir,
        signal: new AbortController().signal,
        maxBytes: 64 * 1024 * 1024,
      });
      renderMs.push(performance.now() - began);
      const substituted = performance.now();
      substituteVariables(objects, { level: "info" });
      substituteMs.push(performance.now() - substituted);
    } finally {
      await rm(workDir, { recursive: true, force: true });
    }
  }
  if (objects.length !== OBJECTS) throw new Error(`rendered ${objects.length} objects, expected ${OBJECTS}`);
  const render = median(renderMs);
  const substitute = median(substituteMs);
  return [
    {
      name: "render.overlay.1000",
      value: round(render, 1),
      unit: "ms",
      detail: `median of ${RUNS}; files written, references checked, kubectl kustomize, parsed (${duration(render)})`,
    },
    {
      name: "render.substitute.1000",
      value: round(substitute, 1),
      unit: "ms",
      detail: `median of ${RUNS} (${duration(substitute)})`,
    },
  ];
}
