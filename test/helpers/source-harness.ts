import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { onTestFinished } from "vitest";
import { localAdapters } from "../../shared/adapters/local/runtime.ts";
import { findCondition } from "../../shared/api/conditions.ts";
import type { ObjectKey } from "../../shared/ports/index.ts";
import { reconcileObject } from "../../shared/reconcile/reconcile-object.ts";
import type { Reconciler } from "../../shared/reconcile/reconciler.ts";
import { ReconcilerRegistry } from "../../shared/reconcile/registry.ts";
import { conditionsOf } from "../../shared/reconcile/status.ts";
import { type ArtifactStatus, artifactOf } from "../../shared/sources/artifact/publish.ts";
import type { SourceDeps, SourceLimits } from "../../shared/sources/source-deps.ts";
import { readSourceFiles } from "../../shared/sources/source-ref.ts";
import { TransferMeter } from "../../shared/sources/transfer-meter.ts";
import { tempDir } from "./temp-dir.ts";

export interface SourceHarnessOptions<R extends Reconciler> {
  /** The kind `put` writes; `putAs` names any other. */
  readonly kind: string;
  /** Builds the reconciler under test; extra ports (a bucket connector, a registry login) go in here. */
  readonly reconciler: (deps: SourceDeps) => R;
  /** More reconcilers in the same registry, for kinds the one under test reads (HelmChart → HelmRepository). */
  readonly alongside?: (deps: SourceDeps) => readonly Reconciler[];
  /** Merged under every spec `put` writes (Flux requires `interval`; OCI tests talk plain HTTP). */
  readonly specDefaults?: Readonly<Record<string, unknown>>;
  readonly limits?: Partial<SourceLimits> | undefined;
  /** Give the reconciler a `cacheDir` that outlives a run, as Lambda's /tmp does. */
  readonly cache?: boolean | undefined;
  /** Reset the meter at the start of each `poll`, so it counts that run's traffic only. */
  readonly meterPerPoll?: boolean;
  /** The loop's jitter; pass a constant to make retry times reproducible. */
  readonly random?: () => number;
  /** Where `put` and `secret` write. @default "default" */
  readonly namespace?: string;
}

/**
 * A source reconciler on the local adapters in a fresh data dir, driven through the real
 * reconcile loop, with the few helpers every source test needs. The database closes when the
 * test finishes.
 */
export async function sourceHarness<R extends Reconciler>(options: SourceHarnessOptions<R>) {
  const namespace = options.namespace ?? "default";
  const dataDir = await tempDir(`sluice-${options.kind.toLowerCase()}-`);
  const adapters = localAdapters({ dataDir });
  onTestFinished(() => adapters.database.close());
  const meter = new TransferMeter();
  const deps: SourceDeps = {
    artifacts: adapters.artifacts,
    secrets: adapters.secrets,
    state: adapters.state,
    meter,
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.cache ? { cacheDir: join(dataDir, "cache") } : {}),
  };
  const reconciler = options.reconciler(deps);
  const loop = {
    state: adapters.state,
    events: adapters.events,
    clock: adapters.clock,
    registry: new ReconcilerRegistry([reconciler, ...(options.alongside?.(deps) ?? [])]),
    ...(options.random ? { random: options.random } : {}),
  };

  /** Stores an object of any kind (a new generation when it exists), over the spec defaults. */
  async function putAs(kind: string, name: string, spec: Record<string, unknown>): Promise<ObjectKey> {
    const key = { kind, namespace, name };
    await adapters.state.putObject({
      key,
      apiVersion: "source.toolkit.fluxcd.io/v1",
      metadata: {},
      spec: { ...options.specDefaults, ...spec },
    });
    return key;
  }

  /** Stores an object of the harness's kind. */
  const put = (name: string, spec: Record<string, unknown>) => putAs(options.kind, name, spec);

  /** One run of the real reconcile loop; returns the object as stored afterwards. */
  async function poll(key: ObjectKey) {
    if (options.meterPerPoll) meter.reset();
    const run = await reconcileObject({ key, reason: "manual" }, "test", loop);
    const object = await adapters.state.getObject(key);
    if (!object) throw new Error("object vanished");
    const ready = findCondition(conditionsOf(object.status), "Ready");
    return { run, object, ready, artifact: artifactOf(object) };
  }

  /** The stored bytes of an artifact, as a consumer would download them. */
  async function bytes(artifact: ArtifactStatus | undefined): Promise<Buffer> {
    if (!artifact) throw new Error("no artifact");
    const chunks: Buffer[] = [];
    for await (const chunk of await adapters.artifacts.get(artifact.digest)) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  /** A tarball artifact as path → text; a symlink shows as `"path ->": target`. */
  async function files(artifact: ArtifactStatus | undefined): Promise<Record<string, string>> {
    if (!artifact) throw new Error("no artifact");
    const out: Record<string, string> = {};
    for (const file of await readSourceFiles(artifact, deps))
      out[file.mode === "symlink" ? `${file.path} ->` : file.path] = new TextDecoder().decode(
        await file.read(),
      );
    return out;
  }

  /** A secret as the file secret store reads it, in the harness namespace. */
  async function secret(name: string, data: Record<string, string>): Promise<void> {
    const dir = join(dataDir, "secrets", namespace);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, `${name}.json`), JSON.stringify(data));
  }

  return { adapters, deps, meter, reconciler, dataDir, put, putAs, poll, bytes, files, secret };
}
