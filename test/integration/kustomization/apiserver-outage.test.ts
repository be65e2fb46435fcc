import { randomUUID } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { CoreV1Api } from "@kubernetes/client-node";
import { describe, expect, it, onTestFinished } from "vitest";
import { parse, stringify } from "yaml";
import type { StoredObject } from "../../../shared/ports/index.ts";
import { adminKubeConfig, testEnv } from "../../env/context.ts";
import { GitFixture } from "../../helpers/git-fixture.ts";
import { localEngine, putGitKustomization } from "../../helpers/local-engine.ts";
import { startTcpProxy, type TcpProxy } from "../../helpers/tcp-proxy.ts";

/**
 * Changed and new ConfigMaps carry a value this large, so the bytes of their requests dwarf
 * headers and TLS handshakes and a byte count through the proxy says which phase a run is in.
 */
const BLOB_BYTES = 32 * 1024;
const blob = "x".repeat(BLOB_BYTES);
const name = (prefix: string, i: number) => `${prefix}-${String(i).padStart(2, "0")}`;
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => from + k);

const configMap = (cmName: string, data: Record<string, string>) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${cmName}\ndata:\n${Object.entries(data)
    .map(([k, v]) => `  ${k}: "${v}"`)
    .join("\n")}\n`;

// The first commit has 30 small ConfigMaps; the second removes 6, enlarges 20, keeps 4 and adds 12.
const removed = range(0, 6).map((i) => name("cm", i));
const changed = range(6, 26).map((i) => name("cm", i));
const kept = range(26, 30).map((i) => name("cm", i));
const added = range(0, 12).map((i) => name("new", i));
/** Every object the second commit writes; each write sends one blob. */
const large = [...changed, ...added];

/**
 * A Kustomization whose cluster is reached through a kubeconfig secret pointing at a TCP proxy in
 * front of the test API server, set up as kustomization.test.ts sets up its own.
 */
async function setup() {
  const env = testEnv();
  const proxy = await startTcpProxy({
    target: { host: "127.0.0.1", port: Number(new URL(env.kube.server).port) },
  });
  onTestFinished(() => proxy.close());
  const { dataDir, adapters, poll } = await localEngine({ prefix: "sluice-outage-" });
  const namespace = `o-${randomUUID().slice(0, 8)}`;
  const repo = await GitFixture.create(env.git, `outage/${namespace}`);
  const core = adminKubeConfig().makeApiClient(CoreV1Api);
  onTestFinished(async () => {
    await core.deleteNamespace({ name: namespace }).catch(() => {});
  });

  // The admin kubeconfig with only the server changed: same CA (its certificate is for
  // 127.0.0.1, whatever the port) and same token, which no message may show.
  const kubeconfig = parse(await readFile(env.kube.kubeconfig, "utf8")) as {
    clusters: { cluster: { server: string } }[];
  };
  for (const c of kubeconfig.clusters) c.cluster.server = `https://127.0.0.1:${proxy.port}`;
  const secretDir = join(dataDir, "secrets", "flux-system");
  await mkdir(secretDir, { recursive: true });
  const secretName = `${namespace}-kubeconfig`;
  await writeFile(
    join(secretDir, `${secretName}.yaml`),
    stringify({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { namespace: "flux-system", name: secretName },
      stringData: { value: stringify(kubeconfig) },
    }),
  );

  const { git, ks } = await putGitKustomization(adapters.state, {
    name: namespace,
    url: repo.url,
    spec: { kubeConfig: { secretRef: { name: secretName } } },
  });
  const sync = async () => {
    await poll(git);
    return poll(ks);
  };
  /** The ConfigMaps of the namespace, read directly from the API server, not through the proxy. */
  const live = async () => {
    const list = await core.listNamespacedConfigMap({ namespace });
    return new Map(list.items.map((cm) => [cm.metadata?.name ?? "", cm.data ?? {}]));
  };
  return { env, proxy, repo, namespace, sync, poll, ks, live };
}

/** Which of `names` hold the second commit's blob. */
function withBlob(cluster: Map<string, Record<string, string>>, names: readonly string[]): string[] {
  return names.filter((n) => cluster.get(n)?.blob === blob);
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

function inventoryIds(object: StoredObject | undefined): string[] {
  const inventory = object?.status?.inventory as { entries?: { id: string }[] } | undefined;
  return (inventory?.entries ?? []).map((e) => e.id);
}

function unreachable(proxy: TcpProxy): string {
  return `cannot reach the API server https://127.0.0.1:${proxy.port}`;
}

describe("Kustomization whose API server goes away mid-apply", () => {
  it("fails without pruning or recording the revision, and completes once the server is back", async () => {
    const t = await setup();
    const first = await t.repo.commit({
      "deploy/ns.yaml": `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${t.namespace}\n`,
      ...Object.fromEntries(
        [...removed, ...changed, ...kept].map((n) => [`deploy/${n}.yaml`, configMap(n, { color: "blue" })]),
      ),
    });
    const applied = await t.sync();
    expect(applied.ready).toMatchObject({ status: "True", message: `Applied revision: main@sha1:${first}` });
    const firstStatus = applied.object?.status;
    expect(inventoryIds(applied.object)).toHaveLength(31);

    const second = await t.repo.commit({
      ...Object.fromEntries(removed.map((n) => [`deploy/${n}.yaml`, null])),
      ...Object.fromEntries(large.map((n) => [`deploy/${n}.yaml`, configMap(n, { blob })])),
    });
    // Planning sends every blob once (the dry-runs), the writes send them again: half-way through
    // the second lot, some writes have landed and others have not started.
    t.proxy.cutAfter(Math.round(1.5 * large.length * BLOB_BYTES));
    const failed = await t.sync();
    expect(t.proxy.isCut).toBe(true);
    expect(failed.run).toMatchObject({ outcome: "reconciled", ready: false });
    expect(failed.ready).toMatchObject({ status: "False", reason: "ReconciliationFailed" });
    // The request in flight when the link went is the one reported, with the server it could not reach.
    expect(failed.ready?.message).toMatch(
      new RegExp(
        `^ConfigMap/${t.namespace}/\\S+ apply failed: ${escapeRegExp(unreachable(t.proxy))}: connection (reset|closed while sending)$`,
      ),
    );
    expect(failed.ready?.message).not.toContain(t.env.kube.token);
    expect(failed.object?.status).toMatchObject({
      lastAppliedRevision: `main@sha1:${first}`,
      lastAttemptedRevision: `main@sha1:${second}`,
      inventory: firstStatus?.inventory,
    });
    const halfway = await t.live();
    const landed = withBlob(halfway, large);
    expect(landed.length).toBeGreaterThan(0);
    expect(landed.length).toBeLessThan(large.length);
    for (const n of [...removed, ...kept]) expect(halfway.get(n)).toEqual({ color: "blue" });

    // While the server stays away, every run fails the same way and still prunes nothing.
    await t.proxy.cut("refuse");
    const away = await t.poll(t.ks);
    expect(away.ready).toMatchObject({ status: "False", reason: "ReconciliationFailed" });
    expect(away.ready?.message).toContain(`${unreachable(t.proxy)}: connection refused`);
    expect(away.ready?.message).not.toContain(t.env.kube.token);
    expect(away.object?.status).toMatchObject({
      lastAppliedRevision: `main@sha1:${first}`,
      inventory: firstStatus?.inventory,
    });
    const stillAway = await t.live();
    for (const n of removed) expect(stillAway.get(n)).toEqual({ color: "blue" });

    await t.proxy.restore();
    const recovered = await t.poll(t.ks);
    expect(recovered.ready).toMatchObject({
      status: "True",
      message: `Applied revision: main@sha1:${second}`,
    });
    expect(recovered.object?.status).toMatchObject({
      lastAppliedRevision: `main@sha1:${second}`,
      lastAttemptedRevision: `main@sha1:${second}`,
    });
    expect(inventoryIds(recovered.object)).toEqual(
      [
        `_${t.namespace}__Namespace`,
        ...[...changed, ...kept, ...added].map((n) => `${t.namespace}_${n}__ConfigMap`),
      ].sort(),
    );
    const after = await t.live();
    expect(withBlob(after, large)).toEqual(large);
    for (const n of kept) expect(after.get(n)).toEqual({ color: "blue" });
    for (const n of removed) expect(after.has(n)).toBe(false);
  });
});
