import { describe, expect, it, onTestFinished } from "vitest";
import { localAdapters } from "../../../shared/adapters/local/runtime.ts";
import type { Digest, StoredObject } from "../../../shared/ports/index.ts";
import type { ReconcileResult } from "../../../shared/reconcile/reconciler.ts";
import { releaseArtifacts } from "../../../shared/sources/artifact/garbage.ts";
import { publishArtifact } from "../../../shared/sources/artifact/publish.ts";
import { memoryFile } from "../../../shared/sources/source-file.ts";
import { tempDir } from "../../helpers/temp-dir.ts";

function digestOf(result: ReconcileResult): Digest {
  const artifact = result.status?.artifact as { digest: Digest } | undefined;
  if (!artifact) throw new Error("the result has no artifact");
  return artifact.digest;
}

async function setup() {
  const adapters = localAdapters({ dataDir: await tempDir() });
  onTestFinished(() => adapters.database.close());
  const deps = { ...adapters, limits: { keepArtifacts: 2 } };
  const put = (name: string) =>
    adapters.state.putObject({
      key: { kind: "GitRepository", namespace: "flux-system", name },
      apiVersion: "source.toolkit.fluxcd.io/v1",
      metadata: {},
      spec: { url: "https://example.com/repo.git" },
    });
  /** One source run: publish, then write status back as the loop does. */
  const publish = async (object: StoredObject, revision: string, body: string) => {
    const result = await publishArtifact(
      { object, revision, content: { files: [memoryFile("app.yaml", body)] }, now: 1_000 },
      deps,
    );
    const status = { ...object.status, ...result.status, observedGeneration: object.generation };
    await adapters.state.writeStatus(object.key, status, object.statusVersion);
    const next = await adapters.state.getObject(object.key);
    if (!next) throw new Error("object vanished");
    return { result, object: next };
  };
  return { adapters, put, publish };
}

describe("publishArtifact", () => {
  it("stores a new revision once, emits ArtifactUpdated, and stays silent when nothing changed", async () => {
    const { adapters, put, publish } = await setup();
    const first = await publish(await put("app"), "main@sha1:aaa", "v1");
    const artifact = first.result.status?.artifact as {
      digest: `sha256:${string}`;
      revision: string;
      url: string;
    };
    expect(artifact.revision).toBe("main@sha1:aaa");
    expect(await adapters.artifacts.stat(artifact.digest)).toBeDefined();
    expect(first.result.events).toEqual([
      expect.objectContaining({ reason: "ArtifactUpdated", revision: "main@sha1:aaa" }),
    ]);

    const again = await publish(first.object, "main@sha1:aaa", "v1");
    expect(again.result.events ?? []).toEqual([]);
    expect(again.result.status).toEqual(first.result.status);
  });

  it("keeps the last few artifacts and deletes older ones no other source uses", async () => {
    const { adapters, put, publish } = await setup();
    let app = await put("app");
    const digests: Digest[] = [];
    for (const n of [1, 2, 3]) {
      const run = await publish(app, `main@sha1:${n}`, `v${n}`);
      app = run.object;
      digests.push(digestOf(run.result));
    }
    expect(app.status?.retainedArtifacts).toEqual([digests[2], digests[1]]);
    expect(await adapters.artifacts.stat(digests[0] as Digest)).toBeUndefined();
    expect(await adapters.artifacts.stat(digests[1] as Digest)).toBeDefined();
  });

  it("does not delete an artifact another source still points at", async () => {
    const { adapters, put, publish } = await setup();
    let app = await put("app");
    const twin = await put("twin");
    const shared = await publish(app, "main@sha1:1", "same");
    await publish(twin, "main@sha1:1", "same");
    app = shared.object;
    for (const n of [2, 3]) app = (await publish(app, `main@sha1:${n}`, `v${n}`)).object;
    const digest = digestOf(shared.result);
    expect(await adapters.artifacts.stat(digest)).toBeDefined();
  });

  it("releases every artifact of a deleted source except the ones another source shares", async () => {
    const { adapters, put, publish } = await setup();
    const app = (await publish(await put("app"), "main@sha1:1", "shared")).object;
    const twin = (await publish(await put("twin"), "main@sha1:1", "shared")).object;
    const solo = (await publish(app, "main@sha1:2", "solo")).object;
    const [own, shared] = (solo.status?.retainedArtifacts ?? []) as Digest[];
    await releaseArtifacts(solo, { ...adapters });
    expect(await adapters.artifacts.stat(own as Digest)).toBeUndefined();
    expect(await adapters.artifacts.stat(shared as Digest)).toBeDefined();
    expect(twin.status?.artifact).toMatchObject({ digest: shared });
  });
});
