import { createHash, randomBytes } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { gzipSync } from "node:zlib";
import { pack } from "tar-stream";
import { describe, expect, it } from "vitest";
import type { ObjectKey } from "../../../shared/ports/index.ts";
import type { RegistryLogin } from "../../../shared/ports/registry-login.ts";
import { packTarball } from "../../../shared/sources/artifact/tarball.ts";
import { OCIRepositoryReconciler } from "../../../shared/sources/oci/reconciler.ts";
import type { SourceLimits } from "../../../shared/sources/source-deps.ts";
import { memoryFile } from "../../../shared/sources/source-file.ts";
import { testEnv } from "../../env/context.ts";
import {
  blobDataPath,
  FLUX_CONTENT_MEDIA_TYPE,
  pushFluxArtifact,
  putManifest,
  type RegistryInfo,
} from "../../env/registry.ts";
import { PUBLIC_PREFIX } from "../../env/registry-token.ts";
import { sourceHarness } from "../../helpers/source-harness.ts";

const env = testEnv();
let repos = 0;

/** A repository nobody else pushes to; `public/` ones allow anonymous pulls on the token registry. */
function newRepo(prefix = ""): string {
  repos++;
  return `${prefix}oci/test-${process.pid}-${repos}`;
}

const urlOf = (registry: RegistryInfo, repository: string) => `oci://${registry.host}/${repository}`;

function dockerConfig(registry: RegistryInfo, password = registry.password): Record<string, string> {
  const auths = { [registry.host]: { username: registry.username, password } };
  return { ".dockerconfigjson": JSON.stringify({ auths }) };
}

async function setup(options: { limits?: Partial<SourceLimits>; registryLogin?: RegistryLogin } = {}) {
  const { registryLogin } = options;
  const t = await sourceHarness({
    kind: "OCIRepository",
    reconciler: (deps) =>
      new OCIRepositoryReconciler({ ...deps, ...(registryLogin ? { registryLogin } : {}) }),
    specDefaults: { interval: "5m", insecure: true },
    limits: options.limits,
    // The assertions on requests and bytes are about one poll each.
    meterPerPoll: true,
  });
  /** The object's events as `reason: message`. */
  async function events(key: ObjectKey): Promise<string[]> {
    return (await t.adapters.eventLog.list({ key })).map((e) => `${e.reason}: ${e.message}`);
  }
  return { ...t, events };
}

async function tarGz(entries: Record<string, string>): Promise<Buffer> {
  const tar = pack();
  for (const [name, text] of Object.entries(entries)) tar.entry({ name }, text);
  tar.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of tar) chunks.push(chunk as Buffer);
  return gzipSync(Buffer.concat(chunks));
}

describe("OCIRepository: refs and polling", () => {
  it("pulls a tag's Flux layer with Flux's revision and metadata; nothing new costs one HEAD; a re-push is picked up", async () => {
    const { registry } = env;
    const repository = newRepo();
    const pushed = await pushFluxArtifact({
      registry,
      repository,
      tags: ["v1"],
      files: {
        "deploy/app.yaml": "kind: ConfigMap\n",
        "deploy/secret.yaml": "kind: Secret\n",
        ".sourceignore": "secret.yaml\n",
        "logo.png": "png",
      },
    });
    const t = await setup();
    await t.secret("registry", dockerConfig(registry));
    const key = await t.put("app", {
      url: urlOf(registry, repository),
      ref: { tag: "v1" },
      secretRef: { name: "registry" },
    });

    const first = await t.poll(key);
    expect(first.ready).toMatchObject({
      status: "True",
      message: `stored artifact for revision 'v1@${pushed.digest}'`,
    });
    expect(first.artifact?.revision).toBe(`v1@${pushed.digest}`);
    expect(first.artifact?.metadata).toEqual(pushed.annotations);
    expect(first.object.status?.url).toBe(urlOf(registry, repository));
    expect(await t.files(first.artifact)).toEqual({
      "deploy/app.yaml": "kind: ConfigMap\n",
      ".sourceignore": "secret.yaml\n",
    });

    const second = await t.poll(key);
    expect(t.meter).toMatchObject({ requests: 1, bytesIn: 0 });
    expect(second.artifact).toEqual(first.artifact);
    expect(second.run).toMatchObject({ outcome: "reconciled", ready: true, statusWritten: false });

    const again = await pushFluxArtifact({
      registry,
      repository,
      tags: ["v1"],
      files: { "deploy/app.yaml": "kind: Service\n" },
    });
    const third = await t.poll(key);
    expect(third.artifact?.revision).toBe(`v1@${again.digest}`);
    expect(await t.files(third.artifact)).toEqual({ "deploy/app.yaml": "kind: Service\n" });
    expect((await t.events(key)).filter((e) => e.startsWith("ArtifactUpdated"))).toHaveLength(2);
  });

  it("picks the highest tag a semver range (and semverFilter) allows, and a new higher tag on the next poll", async () => {
    const { registry } = env;
    const repository = newRepo();
    const digests: Record<string, string> = {};
    for (const tag of ["1.0.0", "1.1.0", "2.0.0", "1.2.0-rc.1", "latest"])
      digests[tag] = (
        await pushFluxArtifact({ registry, repository, tags: [tag], files: { "v.txt": tag } })
      ).digest;
    const t = await setup();
    await t.secret("registry", { username: registry.username, password: registry.password });
    const spec = { url: urlOf(registry, repository), secretRef: { name: "registry" } };
    const stable = await t.put("stable", { ...spec, ref: { semver: ">=1.0.0 <2.0.0", tag: "latest" } });
    expect((await t.poll(stable)).artifact?.revision).toBe(`1.1.0@${digests["1.1.0"]}`);

    const unchanged = await t.poll(stable);
    expect(unchanged.artifact?.revision).toBe(`1.1.0@${digests["1.1.0"]}`);
    expect(t.meter.requests).toBe(2); // the tag list and one HEAD

    const newer = await pushFluxArtifact({
      registry,
      repository,
      tags: ["1.3.0"],
      files: { "v.txt": "1.3.0" },
    });
    const next = await t.poll(stable);
    expect(next.artifact?.revision).toBe(`1.3.0@${newer.digest}`);
    expect(await t.files(next.artifact)).toEqual({ "v.txt": "1.3.0" });

    const rc = await t.put("rc", { ...spec, ref: { semver: ">=1.0.0-0", semverFilter: ".*-rc.*" } });
    expect((await t.poll(rc)).artifact?.revision).toBe(`1.2.0-rc.1@${digests["1.2.0-rc.1"]}`);

    const none = await t.poll(await t.put("none", { ...spec, ref: { semver: ">=3.0.0" } }));
    expect(none.ready).toMatchObject({ status: "False", reason: "OCIPullFailed" });
    expect(none.ready?.message).toContain("matches semver '>=3.0.0'; latest versions: 2.0.0, 1.3.0");
  });

  it("pulls a digest ref, and once stored polls it without a single request", async () => {
    const { registry } = env;
    const repository = newRepo();
    const old = await pushFluxArtifact({ registry, repository, tags: ["v1"], files: { "a.yaml": "old\n" } });
    await pushFluxArtifact({ registry, repository, tags: ["v1"], files: { "a.yaml": "new\n" } });
    const t = await setup();
    await t.secret("registry", dockerConfig(registry));
    const key = await t.put("pinned", {
      url: urlOf(registry, repository),
      ref: { tag: "v1", digest: old.digest },
      secretRef: { name: "registry" },
    });
    const first = await t.poll(key);
    expect(first.artifact?.revision).toBe(old.digest);
    expect(await t.files(first.artifact)).toEqual({ "a.yaml": "old\n" });
    const second = await t.poll(key);
    expect(t.meter).toMatchObject({ requests: 0, bytesIn: 0 });
    expect(second.artifact).toEqual(first.artifact);
  });

  it("follows an image index to its linux/amd64 manifest", async () => {
    const { registry } = env;
    const repository = newRepo();
    const amd64 = await pushFluxArtifact({
      registry,
      repository,
      tags: ["amd64"],
      files: { "arch.txt": "amd64" },
    });
    const arm64 = await pushFluxArtifact({
      registry,
      repository,
      tags: ["arm64"],
      files: { "arch.txt": "arm64" },
    });
    const entry = (digest: string, size: number, architecture: string) => ({
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      digest,
      size,
      platform: { os: "linux", architecture },
    });
    const indexType = "application/vnd.oci.image.index.v1+json";
    const index = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: indexType,
        manifests: [
          entry(arm64.digest, arm64.manifest.length, "arm64"),
          entry(amd64.digest, amd64.manifest.length, "amd64"),
        ],
      }),
    );
    const indexDigest = await putManifest(registry, repository, "multi", index, indexType);
    const t = await setup();
    await t.secret("registry", dockerConfig(registry));
    const { artifact } = await t.poll(
      await t.put("multi", {
        url: urlOf(registry, repository),
        ref: { tag: "multi" },
        secretRef: { name: "registry" },
      }),
    );
    expect(artifact?.revision).toBe(`multi@${indexDigest}`);
    expect(await t.files(artifact)).toEqual({ "arch.txt": "amd64" });
  });
});

describe("OCIRepository: authentication", () => {
  it("gets a bearer token from the token registry's realm and reuses it: nothing new is one HEAD", async () => {
    const registry = env.registryToken;
    const repository = newRepo();
    const pushed = await pushFluxArtifact({ registry, repository, tags: ["v1"], files: { "a.yaml": "a\n" } });
    const t = await setup();
    await t.secret("registry", dockerConfig(registry));
    const key = await t.put("app", {
      url: urlOf(registry, repository),
      ref: { tag: "v1" },
      secretRef: { name: "registry" },
    });
    const first = await t.poll(key);
    expect(first.artifact?.revision).toBe(`v1@${pushed.digest}`);
    expect(await t.files(first.artifact)).toEqual({ "a.yaml": "a\n" });
    await t.poll(key);
    expect(t.meter).toMatchObject({ requests: 1, bytesIn: 0 });
  });

  it("reports wrong or missing credentials on the token registry without revealing them; public repositories need none", async () => {
    const registry = env.registryToken;
    const privateRepo = newRepo();
    const publicRepo = newRepo(PUBLIC_PREFIX);
    await pushFluxArtifact({ registry, repository: privateRepo, tags: ["v1"], files: { "a.yaml": "a\n" } });
    await pushFluxArtifact({ registry, repository: publicRepo, tags: ["v1"], files: { "p.yaml": "p\n" } });
    const t = await setup();
    const wrongPassword = `wrong-${randomBytes(8).toString("hex")}`;
    await t.secret("wrong", dockerConfig(registry, wrongPassword));

    const wrong = await t.put("wrong", {
      url: urlOf(registry, privateRepo),
      ref: { tag: "v1" },
      secretRef: { name: "wrong" },
    });
    const failed = await t.poll(wrong);
    expect(failed.ready).toMatchObject({ status: "False", reason: "AuthenticationFailed" });
    expect(failed.ready?.message).toContain("refused the credentials");
    expect(failed.ready?.message).toContain("check the username and password in secret 'default/wrong'");
    const everything = JSON.stringify({ status: failed.object.status, events: await t.events(wrong) });
    expect(everything).not.toContain(wrongPassword);

    const anonymous = await t.poll(
      await t.put("anonymous", { url: urlOf(registry, privateRepo), ref: { tag: "v1" } }),
    );
    expect(anonymous.ready).toMatchObject({ status: "False", reason: "AuthenticationFailed" });
    expect(anonymous.ready?.message).toContain("requires authentication");
    expect(anonymous.ready?.message).toContain("set spec.secretRef");

    const open = await t.poll(
      await t.put("public", { url: urlOf(registry, publicRepo), ref: { tag: "v1" } }),
    );
    expect(await t.files(open.artifact)).toEqual({ "p.yaml": "p\n" });
  });

  it("uses Basic credentials on the htpasswd registry, and says what to set without them", async () => {
    const { registry } = env;
    const repository = newRepo();
    await pushFluxArtifact({ registry, repository, tags: ["v1"], files: { "a.yaml": "a\n" } });
    const t = await setup();
    const anonymous = await t.poll(
      await t.put("anonymous", { url: urlOf(registry, repository), ref: { tag: "v1" } }),
    );
    expect(anonymous.ready).toMatchObject({ status: "False", reason: "AuthenticationFailed" });
    expect(anonymous.ready?.message).toBe(
      `${registry.host}/${repository} requires authentication (HTTP 401): set spec.secretRef to a docker-registry secret with credentials for this registry`,
    );
    await t.secret("wrong", { username: registry.username, password: "not-the-password" });
    const wrong = await t.poll(
      await t.put("wrong", {
        url: urlOf(registry, repository),
        ref: { tag: "v1" },
        secretRef: { name: "wrong" },
      }),
    );
    expect(wrong.ready?.message).toBe(
      `authentication to ${registry.host}/${repository} failed (HTTP 401): check the username and password in secret 'default/wrong'`,
    );
    const missing = await t.poll(
      await t.put("missing", { url: urlOf(registry, repository), secretRef: { name: "nowhere" } }),
    );
    expect(missing.ready).toMatchObject({
      reason: "AuthenticationFailed",
      message: expect.stringContaining("'default/nowhere'"),
    });
  });

  it("logs in through the RegistryLogin port for provider aws, and fails clearly without one", async () => {
    const { registry } = env;
    const repository = newRepo();
    await pushFluxArtifact({ registry, repository, tags: ["v1"], files: { "a.yaml": "a\n" } });
    const logins: string[] = [];
    const registryLogin: RegistryLogin = {
      async login(input) {
        logins.push(`${input.provider} ${input.host}`);
        return { username: registry.username, password: registry.password };
      },
    };
    const spec = { url: urlOf(registry, repository), ref: { tag: "v1" }, provider: "aws" };
    const t = await setup({ registryLogin });
    const { artifact } = await t.poll(await t.put("ecr", spec));
    expect(await t.files(artifact)).toEqual({ "a.yaml": "a\n" });
    expect(logins).toEqual([`aws ${registry.host}`]);

    const without = await setup();
    const failed = await without.poll(await without.put("ecr", spec));
    expect(failed.ready).toMatchObject({ status: "False", reason: "AuthenticationFailed" });
    expect(failed.ready?.message).toContain("spec.provider 'aws' needs ECR login");
  });
});

describe("OCIRepository: layers and failures", () => {
  it("selects a layer by media type: extract unpacks it, copy stores its bytes as they are", async () => {
    const { registry } = env;
    const repository = newRepo();
    const mediaType = "application/vnd.example.values.v1.tar+gzip";
    const other = Buffer.from(
      (await packTarball([memoryFile("values.yaml", "replicas: 2\n")], { maxBytes: 1 << 20 })).bytes,
    );
    await pushFluxArtifact({
      registry,
      repository,
      tags: ["v1"],
      files: { "a.yaml": "a\n" },
      layers: [{ mediaType, bytes: other }],
    });
    const t = await setup();
    await t.secret("registry", dockerConfig(registry));
    const spec = { url: urlOf(registry, repository), ref: { tag: "v1" }, secretRef: { name: "registry" } };

    const extracted = await t.poll(await t.put("extract", { ...spec, layerSelector: { mediaType } }));
    expect(await t.files(extracted.artifact)).toEqual({ "values.yaml": "replicas: 2\n" });
    expect(extracted.object.status?.observedLayerSelector).toEqual({ mediaType });

    const copied = await t.poll(
      await t.put("copy", { ...spec, layerSelector: { mediaType, operation: "copy" } }),
    );
    const digest = `sha256:${createHash("sha256").update(other).digest("hex")}` as const;
    expect(copied.artifact).toMatchObject({ digest, size: other.length });
    const stored: Buffer[] = [];
    for await (const chunk of await t.deps.artifacts.get(digest)) stored.push(chunk as Buffer);
    expect(Buffer.concat(stored).equals(other)).toBe(true);

    const absent = await t.poll(
      await t.put("absent", { ...spec, layerSelector: { mediaType: "application/x-none" } }),
    );
    expect(absent.ready).toMatchObject({ status: "False", reason: "OCIArtifactLayerOperationFailed" });
    expect(absent.ready?.message).toContain(
      `has no layer of media type 'application/x-none' (it has ${FLUX_CONTENT_MEDIA_TYPE}, ${mediaType})`,
    );
  });

  it("says which tag is missing, and keeps serving the last good artifact", async () => {
    const { registry } = env;
    const repository = newRepo();
    await pushFluxArtifact({ registry, repository, tags: ["v1"], files: { "a.yaml": "a\n" } });
    const t = await setup();
    await t.secret("registry", dockerConfig(registry));
    const spec = { url: urlOf(registry, repository), secretRef: { name: "registry" } };
    const key = await t.put("app", { ...spec, ref: { tag: "v1" } });
    const good = await t.poll(key);
    await t.put("app", { ...spec, ref: { tag: "v2" } });
    const missing = await t.poll(key);
    expect(missing.ready).toMatchObject({
      status: "False",
      reason: "OCIPullFailed",
      message: `tag 'v2' not found in ${registry.host}/${repository}`,
    });
    expect(missing.artifact).toEqual(good.artifact);
  });

  it("refuses a layer whose stored bytes do not match its digest", async () => {
    const { registry } = env;
    const repository = newRepo();
    const pushed = await pushFluxArtifact({
      registry,
      repository,
      tags: ["v1"],
      files: { "a.yaml": randomBytes(16).toString("hex") },
    });
    const layer = pushed.layers[0];
    if (!layer) throw new Error("no layer");
    const path = blobDataPath(registry, layer.digest);
    const bytes = await readFile(path);
    await writeFile(path, Buffer.from(bytes.map((b, i) => (i === bytes.length - 1 ? b ^ 0xff : b))));
    const t = await setup();
    await t.secret("registry", dockerConfig(registry));
    const { ready } = await t.poll(
      await t.put("app", {
        url: urlOf(registry, repository),
        ref: { tag: "v1" },
        secretRef: { name: "registry" },
      }),
    );
    expect(ready).toMatchObject({ status: "False", reason: "OCIPullFailed" });
    expect(ready?.message).toMatch(
      new RegExp(`digest mismatch: expected ${layer.digest}, got sha256:[0-9a-f]{64}$`),
    );
  });

  it("refuses corrupt manifests: bytes changed in storage, no layers, a layer size that lies", async () => {
    const { registry } = env;
    const repository = newRepo();
    const pushed = await pushFluxArtifact({
      registry,
      repository,
      tags: ["changed"],
      files: { "a.yaml": "a\n" },
    });
    const path = blobDataPath(registry, pushed.digest);
    await writeFile(path, (await readFile(path, "utf8")).replace("main@sha1:", "evil@sha1:"));
    const manifest = JSON.parse(pushed.manifest.toString()) as { layers: { size: number }[] };
    await putManifest(
      registry,
      repository,
      "empty",
      Buffer.from(JSON.stringify({ ...manifest, layers: [] })),
    );
    const lying = { ...manifest, layers: manifest.layers.map((l) => ({ ...l, size: l.size - 1 })) };
    await putManifest(registry, repository, "lying", Buffer.from(JSON.stringify(lying)));

    const t = await setup();
    await t.secret("registry", dockerConfig(registry));
    const spec = { url: urlOf(registry, repository), secretRef: { name: "registry" } };
    const changed = await t.poll(await t.put("changed", { ...spec, ref: { tag: "changed" } }));
    expect(changed.ready).toMatchObject({ status: "False", reason: "OCIPullFailed" });
    expect(changed.ready?.message).toContain(`digest mismatch: expected ${pushed.digest}, got sha256:`);
    const empty = await t.poll(await t.put("empty", { ...spec, ref: { tag: "empty" } }));
    expect(empty.ready).toMatchObject({
      reason: "OCIPullFailed",
      message: expect.stringContaining("is corrupt: it has no layers"),
    });
    const lies = await t.poll(await t.put("lying", { ...spec, ref: { tag: "lying" } }));
    expect(lies.ready).toMatchObject({
      reason: "OCIPullFailed",
      message: expect.stringMatching(/is corrupt: layer sha256:\w+ declares \d+ bytes but has \d+/),
    });
  });

  it("refuses an archive entry that escapes the root", async () => {
    const { registry } = env;
    const repository = newRepo();
    const layer = await tarGz({ "ok.yaml": "ok\n", "../escape.yaml": "evil\n" });
    await pushFluxArtifact({
      registry,
      repository,
      tags: ["v1"],
      layers: [{ mediaType: FLUX_CONTENT_MEDIA_TYPE, bytes: layer }],
    });
    const t = await setup();
    await t.secret("registry", dockerConfig(registry));
    const { ready, artifact } = await t.poll(
      await t.put("app", {
        url: urlOf(registry, repository),
        ref: { tag: "v1" },
        secretRef: { name: "registry" },
      }),
    );
    expect(ready).toMatchObject({ status: "False", reason: "PathEscapesRoot" });
    expect(ready?.message).toContain("../escape.yaml");
    expect(artifact).toBeUndefined();
  });

  it("refuses a layer over the size limit before downloading it, and an archive that unpacks past it", async () => {
    const { registry } = env;
    const repository = newRepo();
    await pushFluxArtifact({
      registry,
      repository,
      tags: ["big"],
      layers: [{ mediaType: FLUX_CONTENT_MEDIA_TYPE, bytes: randomBytes(8192) }],
    });
    await pushFluxArtifact({
      registry,
      repository,
      tags: ["bomb"],
      files: { "zeros.txt": "0".repeat(64 * 1024) },
    });
    const t = await setup({ limits: { maxArtifactBytes: 4096 } });
    await t.secret("registry", dockerConfig(registry));
    const spec = { url: urlOf(registry, repository), secretRef: { name: "registry" } };
    const big = await t.poll(await t.put("big", { ...spec, ref: { tag: "big" } }));
    expect(big.ready).toMatchObject({ status: "False", reason: "SizeLimitExceeded" });
    expect(big.ready?.message).toContain("is 8 KiB, over the 4 KiB limit");
    expect(t.meter.bytesIn).toBeLessThan(4096);
    const bomb = await t.poll(await t.put("bomb", { ...spec, ref: { tag: "bomb" } }));
    expect(bomb.ready).toMatchObject({ status: "False", reason: "SizeLimitExceeded" });
    expect(bomb.ready?.message).toContain("unpacks to more than the 4 KiB limit");
  });
});
