import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { localAdapters } from "../shared/adapters/local/runtime.ts";
import type { ObjectKey } from "../shared/ports/index.ts";
import { GitRepositoryReconciler } from "../shared/sources/git/reconciler.ts";
import { TransferMeter } from "../shared/sources/transfer-meter.ts";
import type { EnvInfo } from "../test/env/environment.ts";
import { createBareRepo } from "../test/env/git-server.ts";
import { gitCli } from "./git-cli.ts";
import { runJsonChild } from "./json-child.ts";
import { type Figure, median, round } from "./results.ts";

const MiB = 1024 * 1024;

/**
 * A repository on the test server, built with the git CLI (isomorphic-git would spend minutes
 * adding 10,000 files) and pushed straight into the bare repository the server serves.
 */
async function buildRepo(env: EnvInfo, name: string, work: string) {
  const bare = await createBareRepo(env.git.root, name);
  const dir = join(work, name);
  await mkdir(dir, { recursive: true });
  await gitCli(dir, ["init", "--quiet", "--initial-branch=main"]);
  return {
    url: `${env.git.url}/${name}.git`,
    async write(files: Record<string, string>) {
      for (const [path, content] of Object.entries(files)) {
        await mkdir(join(dir, path, ".."), { recursive: true });
        await writeFile(join(dir, path), content);
      }
    },
    async commit(message: string) {
      await gitCli(dir, ["add", "--all"]);
      await gitCli(dir, ["commit", "--quiet", "-m", message]);
    },
    push: () => gitCli(dir, ["push", "--quiet", "--force", bare, "main"]),
  };
}

/** Text that gzip cannot shrink much, as real manifests and code are not all repetition. */
function noise(bytes: number): string {
  return randomBytes(Math.ceil((bytes * 3) / 4))
    .toString("base64")
    .slice(0, bytes);
}

function adaptersFor(dataDir: string, options: { cache?: boolean; meter?: TransferMeter } = {}) {
  const adapters = localAdapters({ dataDir });
  const reconciler = new GitRepositoryReconciler({
    artifacts: adapters.artifacts,
    secrets: adapters.secrets,
    state: adapters.state,
    ...(options.meter ? { meter: options.meter } : {}),
    ...(options.cache ? { cacheDir: join(dataDir, "cache") } : {}),
  });
  /** One reconcile, with the status written back as the loop does, so the next poll sees it. */
  async function poll(key: ObjectKey) {
    const object = await adapters.state.getObject(key);
    if (!object) throw new Error("object missing");
    const result = await reconciler.reconcile({
      object,
      now: Date.now(),
      signal: new AbortController().signal,
    });
    await adapters.state.writeStatus(
      key,
      { ...object.status, ...result.status, observedGeneration: object.generation },
      object.statusVersion,
    );
    return result;
  }
  async function put(name: string, url: string) {
    const key = { kind: "GitRepository", namespace: "bench", name };
    await adapters.state.putObject({
      key,
      apiVersion: "source.toolkit.fluxcd.io/v1",
      metadata: {},
      spec: { interval: "1m", url, ref: { branch: "main" } },
    });
    return key;
  }
  return { adapters, poll, put };
}

interface ChildReport {
  readonly ms: number;
  readonly maxRssMiB: number;
  readonly baselineRssMiB: number;
  readonly bytesIn: number;
  readonly artifactBytes: number;
}

/** The big fetch in a process of its own, so its peak memory is its own. */
function fetchInChild(url: string): Promise<ChildReport> {
  return runJsonChild<ChildReport>([fileURLToPath(import.meta.url), "fetch-child", url], "fetch child");
}

async function childMain(url: string): Promise<void> {
  const baselineRssMiB = process.resourceUsage().maxRSS / 1024;
  const dataDir = await mkdtemp(join(tmpdir(), "sluice-bench-git-child-"));
  try {
    const meter = new TransferMeter();
    const { poll, put, adapters } = adaptersFor(dataDir, { meter });
    const began = performance.now();
    const result = await poll(await put("big", url));
    const ms = performance.now() - began;
    adapters.database.close();
    const artifact = result.status?.artifact as { size: number } | undefined;
    const report: ChildReport = {
      ms,
      maxRssMiB: process.resourceUsage().maxRSS / 1024,
      baselineRssMiB,
      bytesIn: meter.bytesIn,
      artifactBytes: artifact?.size ?? 0,
    };
    process.stdout.write(JSON.stringify(report));
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

/**
 * The GitRepository source against the real Git server (git http-backend on loopback): a large
 * first fetch, the poll that finds nothing new, and what one changed file costs on a long history,
 * with and without a cached repository.
 */
export async function gitSourceFigures(env: EnvInfo): Promise<Figure[]> {
  const work = await mkdtemp(join(tmpdir(), "sluice-bench-git-"));
  const figures: Figure[] = [];
  try {
    // 10,000 files, 50 MB: the first fetch of a large repository.
    const big = await buildRepo(env, "bench/big", work);
    const files: Record<string, string> = {};
    for (let i = 0; i < 10_000; i++)
      files[`apps/app-${Math.floor(i / 100)}/file-${i}.yaml`] = noise(5 * 1024);
    await big.write(files);
    await big.commit("big");
    await big.push();
    const fetched = await fetchInChild(big.url);
    figures.push(
      {
        name: "sources.git.fetch.10k-files.time",
        value: round(fetched.ms / 1000),
        unit: "s",
        detail: `10,000 files, 50 MB tree, one commit: ls-refs, shallow fetch (${round(fetched.bytesIn / MiB, 1)} MiB pack), tree read, ${round(fetched.artifactBytes / MiB, 1)} MiB tarball stored`,
      },
      {
        name: "sources.git.fetch.10k-files.peak-rss",
        value: round(fetched.maxRssMiB),
        unit: "MiB",
        detail: `peak RSS of a process doing only that fetch (${round(fetched.baselineRssMiB)} MiB at its start)`,
      },
    );

    // A poll that finds nothing new.
    const dataDir = join(work, "data-poll");
    const meter = new TransferMeter();
    const poller = adaptersFor(dataDir, { meter });
    const small = await buildRepo(env, "bench/small", work);
    await small.write({ "a.yaml": "a: 1\n" });
    await small.commit("one");
    await small.push();
    const key = await poller.put("small", small.url);
    await poller.poll(key);
    const times: number[] = [];
    meter.reset();
    const polls = 20;
    for (let i = 0; i < polls; i++) {
      const began = performance.now();
      await poller.poll(key);
      times.push(performance.now() - began);
    }
    poller.adapters.database.close();
    figures.push(
      {
        name: "sources.git.poll.unchanged.time",
        value: round(median(times), 1),
        unit: "ms",
        detail: `median of ${polls} polls of an unchanged branch: ls-refs, artifact stat, no fetch`,
      },
      {
        name: "sources.git.poll.unchanged.requests",
        value: meter.requests / polls,
        unit: "requests",
        detail: `HTTP requests per poll (protocol v2: capabilities + ls-refs with the branch as prefix), ${Math.round(meter.bytesIn / polls)} bytes received`,
      },
    );

    // One changed file on a 300-commit history, without and with the cached repository.
    const long = await buildRepo(env, "bench/long", work);
    const base: Record<string, string> = {};
    for (let i = 0; i < 200; i++) base[`manifests/m-${i}.yaml`] = noise(2 * 1024);
    await long.write(base);
    await long.commit("base");
    for (let c = 1; c < 300; c++) {
      await long.write({ [`manifests/m-${c % 200}.yaml`]: noise(2 * 1024) });
      await long.commit(`change ${c}`);
    }
    await long.push();
    for (const cache of [false, true]) {
      const m = new TransferMeter();
      const { adapters, poll, put } = adaptersFor(join(work, `data-long-${cache}`), { meter: m, cache });
      const longKey = await put("long", long.url);
      m.reset();
      await poll(longKey);
      const firstBytes = m.bytesIn;
      await long.write({ "manifests/m-7.yaml": noise(2 * 1024) });
      await long.commit("one more");
      await long.push();
      m.reset();
      const began = performance.now();
      const result = await poll(longKey);
      const ms = performance.now() - began;
      if (!result.status?.artifact) throw new Error("no artifact after the change");
      adapters.database.close();
      const label = cache ? "cached" : "fresh";
      figures.push({
        name: `sources.git.change.one-file.${label}.bytes`,
        value: m.bytesIn,
        unit: "bytes",
        detail: `${cache ? "fetch of the commits since the last one into the cached bare repository" : "shallow fetch into a fresh repository"} after one 2 KiB file changed on a 300-commit, 200-file history; first fetch was ${firstBytes} bytes; ${round(ms, 1)} ms`,
      });
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return figures;
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === "fetch-child") {
  await childMain(process.argv[3] as string);
}
