import { createHash, randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import bcrypt from "bcryptjs";
import { stringify } from "yaml";
import { packTarball } from "../../shared/sources/artifact/tarball.ts";
import { parseWwwAuthenticate, pickChallenge } from "../../shared/sources/oci/www-authenticate.ts";
import { memoryFile } from "../../shared/sources/source-file.ts";
import { startProcess } from "./process.ts";
import type { TokenServerInfo } from "./registry-token.ts";
import type { Running } from "./running.ts";
import { waitUntilReady } from "./wait.ts";

export interface RegistryInfo {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  /** 127.0.0.1:<port>, as it appears in an image reference. */
  readonly host: string;
  readonly username: string;
  readonly password: string;
  /** The registry's filesystem storage, for tests that corrupt stored content on purpose. */
  readonly storageDir: string;
}

export interface RegistryOptions {
  readonly registry: string;
  /** Holds this instance's config, credentials, storage and log. */
  readonly dir: string;
  readonly port: number;
  readonly username: string;
  readonly password: string;
  /** Delegates authentication to this token service instead of an htpasswd file. */
  readonly tokenServer?: TokenServerInfo;
}

async function authConfig(options: RegistryOptions): Promise<Record<string, unknown>> {
  if (options.tokenServer) {
    const { realm, service, issuer, rootCertBundle } = options.tokenServer;
    return { token: { realm, service, issuer, rootcertbundle: rootCertBundle } };
  }
  const htpasswd = join(options.dir, "htpasswd");
  // distribution only accepts bcrypt entries in htpasswd files.
  await writeFile(htpasswd, `${options.username}:${bcrypt.hashSync(options.password, 10)}\n`, {
    mode: 0o600,
  });
  return { htpasswd: { realm: "sluice-test-registry", path: htpasswd } };
}

/**
 * Debian's distribution (v2) registry, storage on disk, with htpasswd basic auth or, given a
 * token server, Docker-style bearer token auth.
 */
export async function startRegistry(options: RegistryOptions): Promise<Running<RegistryInfo>> {
  const storageDir = join(options.dir, "registry-data");
  await mkdir(storageDir, { recursive: true });
  const host = `127.0.0.1:${options.port}`;
  const config = join(options.dir, "registry.yml");
  await writeFile(
    config,
    stringify({
      version: 0.1,
      log: { level: "warn", accesslog: { disabled: true } },
      storage: {
        filesystem: { rootdirectory: storageDir },
        delete: { enabled: true },
      },
      http: { addr: host, secret: randomBytes(16).toString("hex") },
      auth: await authConfig(options),
    }),
  );
  const proc = startProcess({
    name: "registry",
    command: options.registry,
    args: ["serve", config],
    logDir: options.dir,
  });
  const url = `http://${host}`;
  try {
    // With auth on, an anonymous /v2/ answers 401: that is the registry being up.
    await waitUntilReady(proc, async () => (await fetch(`${url}/v2/`)).status === 401, { timeoutMs: 30_000 });
  } catch (error) {
    await proc.stop();
    throw error;
  }
  return {
    info: { url, host, username: options.username, password: options.password, storageDir },
    stop: () => proc.stop(),
  };
}

export interface PushImageOptions {
  readonly registry: RegistryInfo;
  /** Repository name, e.g. `team/app`. */
  readonly repository: string;
  readonly tags: readonly string[];
  /** Bytes of the single layer; defaults to a few random bytes so each push is distinct. */
  readonly layer?: Buffer;
  /** Image config fields (e.g. `created`), merged into a minimal config. */
  readonly config?: Record<string, unknown>;
}

export interface PushedImage {
  /** sha256:… of the manifest, the same for every tag of one push. */
  readonly digest: string;
  readonly manifest: Buffer;
}

function sha256(data: Buffer): string {
  return `sha256:${createHash("sha256").update(data).digest("hex")}`;
}

function basicAuth(registry: RegistryInfo): string {
  return `Basic ${Buffer.from(`${registry.username}:${registry.password}`).toString("base64")}`;
}

async function check(response: Response, what: string): Promise<Response> {
  if (!response.ok) throw new Error(`${what}: HTTP ${response.status} ${await response.text()}`);
  return response;
}

/**
 * A request with the registry's credentials: Basic first, and when the registry answers with a
 * Bearer challenge (the token registry), a token for the challenge's scope, then once more.
 */
async function registryFetch(
  registry: RegistryInfo,
  url: string | URL,
  init: RequestInit = {},
): Promise<Response> {
  const send = (authorization: string) =>
    fetch(url, { ...init, headers: { ...(init.headers as Record<string, string>), authorization } });
  const first = await send(basicAuth(registry));
  const challenge = pickChallenge(parseWwwAuthenticate(first.headers.get("www-authenticate")));
  if (first.status !== 401 || challenge?.scheme !== "bearer" || !challenge.params.realm) return first;
  await first.body?.cancel();
  const tokenUrl = new URL(challenge.params.realm);
  for (const name of ["service", "scope"] as const) {
    const value = challenge.params[name];
    if (value) tokenUrl.searchParams.set(name, value);
  }
  const tokenResponse = await check(
    await fetch(tokenUrl, { headers: { authorization: basicAuth(registry) } }),
    `getting a token from ${tokenUrl.origin}`,
  );
  const { token } = (await tokenResponse.json()) as { token: string };
  return send(`Bearer ${token}`);
}

/** Uploads one blob (monolithic POST then PUT) and returns its digest. */
export async function uploadBlob(registry: RegistryInfo, repository: string, blob: Buffer): Promise<string> {
  const digest = sha256(blob);
  const start = await check(
    await registryFetch(registry, `${registry.url}/v2/${repository}/blobs/uploads/`, { method: "POST" }),
    `starting a blob upload to ${repository}`,
  );
  const location = new URL(start.headers.get("location") ?? "", registry.url);
  location.searchParams.set("digest", digest);
  await check(
    await registryFetch(registry, location, {
      method: "PUT",
      headers: { "content-type": "application/octet-stream" },
      body: blob,
    }),
    `uploading blob ${digest} to ${repository}`,
  );
  return digest;
}

/** Puts manifest bytes as they are under a tag (or digest); returns the bytes' digest. */
export async function putManifest(
  registry: RegistryInfo,
  repository: string,
  reference: string,
  manifest: Buffer,
  mediaType = "application/vnd.oci.image.manifest.v1+json",
): Promise<string> {
  await check(
    await registryFetch(registry, `${registry.url}/v2/${repository}/manifests/${reference}`, {
      method: "PUT",
      headers: { "content-type": mediaType },
      body: manifest,
    }),
    `putting manifest ${repository}:${reference}`,
  );
  return sha256(manifest);
}

/** Where the registry keeps a blob's bytes (content-addressed, shared by every repository). */
export function blobDataPath(registry: RegistryInfo, digest: string): string {
  const hex = digest.replace(/^sha256:/, "");
  return join(registry.storageDir, "docker/registry/v2/blobs/sha256", hex.slice(0, 2), hex, "data");
}

export interface ArtifactLayer {
  readonly mediaType: string;
  readonly bytes: Buffer;
  readonly annotations?: Record<string, string>;
}

type Descriptor = { readonly mediaType: string; readonly digest: string; readonly size: number };

/** Uploads the config and layers, then puts one OCI manifest per tag. */
async function pushManifest(
  options: { readonly registry: RegistryInfo; readonly repository: string; readonly tags: readonly string[] },
  config: { readonly mediaType: string; readonly bytes: Buffer },
  layers: readonly ArtifactLayer[],
  annotations?: Readonly<Record<string, string>>,
): Promise<PushedImage & { readonly layers: readonly Descriptor[] }> {
  const { registry, repository } = options;
  const configDigest = await uploadBlob(registry, repository, config.bytes);
  const descriptors: Descriptor[] = [];
  for (const layer of layers) {
    const digest = await uploadBlob(registry, repository, layer.bytes);
    const extra = layer.annotations ? { annotations: layer.annotations } : {};
    descriptors.push({ mediaType: layer.mediaType, digest, size: layer.bytes.length, ...extra });
  }
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: { mediaType: config.mediaType, digest: configDigest, size: config.bytes.length },
      layers: descriptors,
      ...(annotations ? { annotations } : {}),
    }),
  );
  for (const tag of options.tags) await putManifest(registry, repository, tag, manifest);
  return { digest: sha256(manifest), manifest, layers: descriptors };
}

/**
 * Pushes a one-layer OCI image through the registry API (blob uploads, then one manifest PUT
 * per tag), the way a CI pipeline would, so scanners see real tags and digests.
 */
export async function pushImage(options: PushImageOptions): Promise<PushedImage> {
  const config = Buffer.from(
    JSON.stringify({
      architecture: "amd64",
      os: "linux",
      rootfs: { type: "layers", diff_ids: [] },
      ...options.config,
    }),
  );
  const layer = {
    mediaType: "application/vnd.oci.image.layer.v1.tar",
    bytes: options.layer ?? randomBytes(32),
  };
  const { digest, manifest } = await pushManifest(
    options,
    { mediaType: "application/vnd.oci.image.config.v1+json", bytes: config },
    [layer],
  );
  return { digest, manifest };
}

export const FLUX_CONFIG_MEDIA_TYPE = "application/vnd.cncf.flux.config.v1+json";
export const FLUX_CONTENT_MEDIA_TYPE = "application/vnd.cncf.flux.content.v1.tar+gzip";

export interface PushArtifactOptions {
  readonly registry: RegistryInfo;
  readonly repository: string;
  readonly tags: readonly string[];
  /** The Flux content layer: path → text, packed with the artifact tarball packer. */
  readonly files?: Readonly<Record<string, string>>;
  /** Layers instead of (or after) the Flux content layer, in order. */
  readonly layers?: readonly ArtifactLayer[];
  /** `org.opencontainers.image.revision`, as `flux push artifact` sets it. @default "main@sha1:<random>" */
  readonly revision?: string;
  /** `org.opencontainers.image.source`. @default "https://example.com/sluice/test.git" */
  readonly source?: string;
  /** More manifest annotations. */
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface PushedArtifact extends PushedImage {
  readonly layers: readonly Descriptor[];
  readonly annotations: Readonly<Record<string, string>>;
}

/**
 * Pushes an artifact the way `flux push artifact` does: a Flux config blob, a tar.gz content
 * layer, and the created/revision/source annotations on the manifest. Works with either registry.
 */
export async function pushFluxArtifact(options: PushArtifactOptions): Promise<PushedArtifact> {
  const layers: ArtifactLayer[] = [];
  if (options.files) {
    const files = Object.entries(options.files).map(([path, text]) => memoryFile(path, text));
    const packed = await packTarball(files, { maxBytes: 64 * 1024 * 1024 });
    layers.push({ mediaType: FLUX_CONTENT_MEDIA_TYPE, bytes: Buffer.from(packed.bytes) });
  }
  layers.push(...(options.layers ?? []));
  const annotations = {
    "org.opencontainers.image.created": new Date().toISOString(),
    "org.opencontainers.image.revision": options.revision ?? `main@sha1:${randomBytes(20).toString("hex")}`,
    "org.opencontainers.image.source": options.source ?? "https://example.com/sluice/test.git",
    ...options.annotations,
  };
  const config = { mediaType: FLUX_CONFIG_MEDIA_TYPE, bytes: Buffer.from("{}") };
  return { ...(await pushManifest(options, config, layers, annotations)), annotations };
}
