import { randomUUID } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { stringify } from "yaml";
import { applyObjects } from "../shared/apply/apply-objects.ts";
import { ClusterClient } from "../shared/apply/cluster-client.ts";
import type { KubeObject } from "../shared/render/kube-object.ts";
import type { EnvInfo } from "../test/env/environment.ts";
import { exec, lastLines } from "../test/env/exec.ts";
import { duration, type Figure, round } from "./results.ts";

/** N objects in namespace `ns`, the Namespace included: mostly ConfigMaps, one Deployment and Service per 50. */
function manifests(ns: string, n: number): KubeObject[] {
  const apps = Math.max(1, Math.floor(n / 50));
  const objects: KubeObject[] = [{ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } }];
  for (let i = 0; i < apps; i++) {
    const name = `app-${i}`;
    objects.push({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name, namespace: ns },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name } },
          spec: { containers: [{ name: "main", image: "nginx:1.27", ports: [{ containerPort: 8080 }] }] },
        },
      },
    });
    objects.push({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name, namespace: ns },
      spec: { selector: { app: name }, ports: [{ port: 80, targetPort: 8080 }] },
    });
  }
  for (let i = objects.length; i < n; i++) {
    objects.push({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: `config-${i}`, namespace: ns, labels: { bench: "apply" } },
      data: { index: String(i), text: `value ${i} `.repeat(20) },
    });
  }
  return objects;
}

async function timed<T>(run: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const began = performance.now();
  const value = await run();
  return { ms: performance.now() - began, value };
}

async function kubectlApply(env: EnvInfo, file: string): Promise<number> {
  const { ms, value } = await timed(() =>
    exec(env.tools.kubectl, ["apply", "--server-side", "-f", file, "--kubeconfig", env.kube.kubeconfig]),
  );
  if (value.code !== 0) throw new Error(`kubectl apply failed: ${lastLines(value.stderr)}`);
  return ms;
}

async function deleteNamespace(kc: KubeConfig, name: string): Promise<void> {
  const client = new ClusterClient(kc);
  const signal = new AbortController().signal;
  await client.delete({ apiVersion: "v1", kind: "Namespace", name }, { signal }).catch(() => undefined);
  client.close();
}

/**
 * The apply engine against the real API server, next to `kubectl apply --server-side` on the same
 * manifests: a first apply (everything created) and a no-op apply (everything unchanged, which
 * must write nothing). Each tool gets fresh namespaces so neither finds the other's objects.
 */
export async function applyFigures(
  env: EnvInfo,
  sizes: readonly number[] = [10, 100, 1_000],
): Promise<Figure[]> {
  const kc = new KubeConfig();
  kc.loadFromFile(env.kube.kubeconfig);
  const signal = new AbortController().signal;
  const work = await mkdtemp(join(tmpdir(), "sluice-bench-apply-"));
  const figures: Figure[] = [];
  try {
    for (const n of sizes) {
      const ours = `bench-${randomUUID().slice(0, 8)}`;
      const objects = manifests(ours, n);
      const firstClient = new ClusterClient(kc);
      const first = await timed(() => applyObjects(firstClient, objects, { force: false, signal }));
      firstClient.close();
      const noopClient = new ClusterClient(kc);
      const noop = await timed(() => applyObjects(noopClient, objects, { force: false, signal }));
      noopClient.close();
      const changed = noop.value.filter((e) => e.action !== "unchanged").length;
      if (changed > 0) throw new Error(`no-op apply of ${n} objects changed ${changed}`);

      const theirs = `bench-${randomUUID().slice(0, 8)}`;
      const file = join(work, `${theirs}.yaml`);
      await writeFile(
        file,
        manifests(theirs, n)
          .map((o) => stringify(o))
          .join("---\n"),
      );
      const kubectlFirst = await kubectlApply(env, file);
      const kubectlNoop = await kubectlApply(env, file);
      await Promise.all([deleteNamespace(kc, ours), deleteNamespace(kc, theirs)]);

      const counts = noopClient.counts;
      figures.push(
        { name: `apply.${n}.first`, value: round(first.ms), unit: "ms", detail: `${n} objects created` },
        { name: `apply.${n}.noop`, value: round(noop.ms), unit: "ms", detail: "all unchanged" },
        {
          name: `apply.${n}.noop.writes`,
          value: counts.writes + counts.deletes,
          unit: "calls",
          detail: "goal 0",
        },
        {
          name: `apply.${n}.noop.dryRuns`,
          value: counts.dryRuns,
          unit: "calls",
          detail: `plus ${counts.reads} reads`,
        },
        {
          name: `apply.${n}.kubectl.first`,
          value: round(kubectlFirst),
          unit: "ms",
          detail: `ours/kubectl ${round(first.ms / kubectlFirst)} (kubectl includes process start)`,
        },
        {
          name: `apply.${n}.kubectl.noop`,
          value: round(kubectlNoop),
          unit: "ms",
          detail: `ours/kubectl ${round(noop.ms / kubectlNoop)}; ours ${duration(noop.ms)}`,
        },
        {
          name: `apply.${n}.ratio.first`,
          value: round(first.ms / kubectlFirst),
          unit: "x",
          detail: "ours / kubectl",
        },
        {
          name: `apply.${n}.ratio.noop`,
          value: round(noop.ms / kubectlNoop),
          unit: "x",
          detail: "ours / kubectl",
        },
      );
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return figures;
}
