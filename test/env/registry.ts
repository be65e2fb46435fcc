import { createHash, randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import bcrypt from "bcryptjs";
import { stringify } from "yaml";
import { startProcess } from "./process.ts";
import type { Running } from "./running.ts";
import { waitUntilReady } from "./wait.ts";

export interface RegistryInfo {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  /** 127.0.0.1:<port>, as it appears in an image reference. */
  readonly host: string;
  readonly username: string;
  readonly password: string;
}

export interface RegistryOptions {
  readonly registry: string;
  readonly dir: string;
  readonly port: number;
  readonly username: string;
  readonly password: string;
}

/** Debian's distribution (v2) registry with htpasswd basic auth, storage on disk. */
export async function startRegistry(options: RegistryOptions): Promise<Running<RegistryInfo>> {
  await mkdir(join(options.dir, "registry-data"), { recursive: true });
  const htpasswd = join(options.dir, "htpasswd");
  // distribution only accepts bcrypt entries in htpasswd files.
  await writeFile(htpasswd, `${options.username}:${bcrypt.hashSync(options.password, 10)}\n`, {
    mode: 0o600,
  });
  const host = `127.0.0.1:${options.port}`;
  const config = join(options.dir, "registry.yml");
  await writeFile(
    config,
    stringify({
      version: 0.1,
      log: { level: "warn", accesslog: { disabled: true } },
      storage: {
        filesystem: { rootdirectory: join(options.dir, "registry-data") },
        delete: { enabled: true },
      },
      http: { addr: host, secret: randomBytes(16).toString("hex") },
      auth: { htpasswd: { realm: "sluice-test-registry", path: htpasswd } },
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
    info: { url, host, username: options.username, password: options.password },
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

function authHeader(registry: RegistryInfo): string {
  return `Basic ${Buffer.from(`${registry.username}:${registry.password}`).toString("base64")}`;
}

async function check(response: Response, what: string): Promise<Response> {
  if (!response.ok) throw new Error(`${what}: HTTP ${response.status} ${await response.text()}`);
  return response;
}

async function uploadBlob(registry: RegistryInfo, repository: string, blob: Buffer): Promise<string> {
  const digest = sha256(blob);
  const headers = { authorization: authHeader(registry) };
  const start = await check(
    await fetch(`${registry.url}/v2/${repository}/blobs/uploads/`, { method: "POST", headers }),
    `starting a blob upload to ${repository}`,
  );
  const location = new URL(start.headers.get("location") ?? "", registry.url);
  location.searchParams.set("digest", digest);
  await check(
    await fetch(location, {
      method: "PUT",
      headers: { ...headers, "content-type": "application/octet-stream" },
      body: blob,
    }),
    `uploading blob ${digest} to ${repository}`,
  );
  return digest;
}

/**
 * Pushes a one-layer OCI image through the registry API (blob uploads, then one manifest PUT
 * per tag), the way a CI pipeline would, so scanners see real tags and digests.
 */
export async function pushImage(options: PushImageOptions): Promise<PushedImage> {
  const { registry, repository } = options;
  const layer = options.layer ?? randomBytes(32);
  const config = Buffer.from(
    JSON.stringify({
      architecture: "amd64",
      os: "linux",
      rootfs: { type: "layers", diff_ids: [] },
      ...options.config,
    }),
  );
  const configDigest = await uploadBlob(registry, repository, config);
  const layerDigest = await uploadBlob(registry, repository, layer);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: {
        mediaType: "application/vnd.oci.image.config.v1+json",
        digest: configDigest,
        size: config.length,
      },
      layers: [
        { mediaType: "application/vnd.oci.image.layer.v1.tar", digest: layerDigest, size: layer.length },
      ],
    }),
  );
  for (const tag of options.tags) {
    await check(
      await fetch(`${registry.url}/v2/${repository}/manifests/${tag}`, {
        method: "PUT",
        headers: {
          authorization: authHeader(registry),
          "content-type": "application/vnd.oci.image.manifest.v1+json",
        },
        body: manifest,
      }),
      `putting manifest ${repository}:${tag}`,
    );
  }
  return { digest: sha256(manifest), manifest };
}
