import { ReconcileError } from "../../reconcile/reconciler.ts";
import { type Download, download } from "../http-download.ts";
import type { TransferMeter } from "../transfer-meter.ts";
import {
  digestOf,
  MANIFEST_ACCEPT,
  OCI_PULL_FAILED,
  type OciManifest,
  parseManifestDocument,
  pickPlatform,
  verifyDigest,
} from "./manifest.ts";
import { isDigest } from "./reference.ts";
import { RegistryAuth } from "./registry-auth.ts";

export type { OciDescriptor, OciManifest } from "./manifest.ts";

export interface RegistryClientOptions {
  /** `127.0.0.1:5000`, `ghcr.io`. */
  readonly host: string;
  /** `spec.insecure`: http instead of https. */
  readonly plainHttp?: boolean;
  readonly credentials?: { readonly username: string; readonly password: string };
  /** Cap for any manifest or blob. */
  readonly maxBytes: number;
  readonly meter?: TransferMeter;
  /**
   * Appended to authentication failures, saying where credentials come from, e.g. "check the
   * username and password in secret 'ns/name'". @default a pointer to spec.secretRef
   */
  readonly credentialsHint?: string;
  /** Tags asked for per page of the tag list. @default 1000 */
  readonly tagPageSize?: number;
}

export interface ManifestResult {
  /** Digest of the document the reference names (the index's, for a multi-platform image): what `resolve` returns. */
  readonly digest: string;
  /** Digest of the image manifest itself; differs from `digest` when an index was followed. */
  readonly manifestDigest: string;
  readonly mediaType: string;
  readonly manifest: OciManifest;
}

const MAX_TAG_PAGES = 1000;

/**
 * A read-only client for the OCI distribution API: tags, manifests, blobs. Every document is
 * checked against its digest before use. Requests start anonymous and follow the registry's
 * `WWW-Authenticate` challenge (Basic, or a Bearer token from the realm, cached per scope).
 */
export class RegistryClient {
  readonly #options: RegistryClientOptions;
  readonly #base: string;
  readonly #auth: RegistryAuth;
  readonly #hint: string;

  constructor(options: RegistryClientOptions) {
    this.#options = options;
    this.#base = `${options.plainHttp ? "http" : "https"}://${options.host}`;
    this.#hint =
      options.credentialsHint ??
      (options.credentials
        ? "check the registry username and password"
        : "set spec.secretRef to a docker-registry secret with credentials for this registry");
    this.#auth = new RegistryAuth({
      host: options.host,
      credentials: options.credentials,
      meter: options.meter,
      hint: this.#hint,
    });
  }

  async listTags(repository: string, signal?: AbortSignal): Promise<string[]> {
    const tags: string[] = [];
    let next: string | undefined =
      `${this.#base}/v2/${repository}/tags/list?n=${this.#options.tagPageSize ?? 1000}`;
    for (let page = 0; next && page < MAX_TAG_PAGES; page++) {
      const response: Download = await this.#send(repository, next, { signal });
      if (response.status === 404) throw this.#pullFailed(`repository ${this.#where(repository)} not found`);
      this.#expectOk(response, repository, "listing tags");
      const body = this.#json(response, repository, "tag list") as { tags?: unknown };
      if (Array.isArray(body.tags)) tags.push(...body.tags.filter((t): t is string => typeof t === "string"));
      next = this.#nextPage(response.headers.get("link"));
    }
    return tags;
  }

  async resolve(repository: string, reference: string, signal?: AbortSignal): Promise<string> {
    const response = await this.#send(repository, this.#manifestUrl(repository, reference), {
      method: "HEAD",
      accept: MANIFEST_ACCEPT,
      signal,
    });
    if (response.status === 404) throw this.#notFound(repository, reference);
    this.#expectOk(response, repository, `resolving '${reference}'`);
    const digest = response.headers.get("docker-content-digest") ?? "";
    if (isDigest(digest)) return digest;
    // Registries that omit the header: the digest comes from the bytes instead.
    return (await this.getManifest(repository, reference, signal)).digest;
  }

  async getManifest(repository: string, reference: string, signal?: AbortSignal): Promise<ManifestResult> {
    const top = await this.#fetchManifest(repository, reference, signal);
    if (top.document.kind === "manifest")
      return { digest: top.digest, manifestDigest: top.digest, ...top.document };
    const entry = pickPlatform(top.document.index, `${this.#where(repository)}@${top.digest}`);
    const child = await this.#fetchManifest(repository, entry.digest, signal);
    if (child.document.kind !== "manifest")
      throw this.#pullFailed(`${this.#where(repository)}@${entry.digest} is a nested image index`);
    return { digest: top.digest, manifestDigest: child.digest, ...child.document };
  }

  async getBlob(repository: string, digest: string, signal?: AbortSignal): Promise<Uint8Array> {
    if (!isDigest(digest)) throw this.#pullFailed(`'${digest}' is not a valid blob digest`);
    const response = await this.#send(repository, `${this.#base}/v2/${repository}/blobs/${digest}`, {
      signal,
    });
    if (response.status === 404)
      throw this.#pullFailed(`blob ${digest} not found in ${this.#where(repository)}`);
    this.#expectOk(response, repository, `downloading blob ${digest}`);
    verifyDigest(response.bytes, digest, `blob ${digest} of ${this.#where(repository)}`);
    return response.bytes;
  }

  async #fetchManifest(repository: string, reference: string, signal?: AbortSignal) {
    const response = await this.#send(repository, this.#manifestUrl(repository, reference), {
      accept: MANIFEST_ACCEPT,
      signal,
    });
    if (response.status === 404) throw this.#notFound(repository, reference);
    this.#expectOk(response, repository, `fetching manifest '${reference}'`);
    const where = `${this.#where(repository)}${isDigest(reference) ? "@" : ":"}${reference}`;
    const announced = response.headers.get("docker-content-digest") ?? "";
    const expected = isDigest(reference) ? reference : isDigest(announced) ? announced : undefined;
    if (expected) verifyDigest(response.bytes, expected, `manifest ${where}`);
    const contentType = response.headers.get("content-type") ?? "";
    return {
      digest: expected ?? digestOf(response.bytes),
      document: parseManifestDocument(response.bytes, contentType, where),
    };
  }

  /** One request, retried once after answering a 401 challenge; 401/403 after that fail. */
  async #send(
    repository: string,
    url: string,
    options: { method?: "GET" | "HEAD"; accept?: string; signal?: AbortSignal | undefined },
  ): Promise<Download> {
    const scope = `repository:${repository}:pull`;
    for (let attempt = 0; ; attempt++) {
      const authorization = this.#auth.header(scope);
      const response = await download(url, {
        method: options.method ?? "GET",
        headers: {
          ...(options.accept ? { accept: options.accept } : {}),
          ...(authorization ? { authorization } : {}),
        },
        maxBytes: this.#options.maxBytes,
        failureReason: OCI_PULL_FAILED,
        ...(options.signal ? { signal: options.signal } : {}),
        ...(this.#options.meter ? { meter: this.#options.meter } : {}),
      });
      const retry =
        response.status === 401 &&
        attempt === 0 &&
        (await this.#auth.answer(response.headers.get("www-authenticate"), scope, options.signal));
      if (retry) continue;
      if (response.status === 401 || response.status === 403)
        throw this.#authFailed(repository, response.status);
      return response;
    }
  }

  #authFailed(repository: string, status: number): ReconcileError {
    const hint = this.#hint;
    const message = this.#auth.hasCredentials
      ? `authentication to ${this.#where(repository)} failed (HTTP ${status}): ${hint}`
      : `${this.#where(repository)} requires authentication (HTTP ${status}): ${hint}`;
    return new ReconcileError("AuthenticationFailed", message);
  }

  #expectOk(response: Download, repository: string, what: string): void {
    if (response.status < 200 || response.status >= 300)
      throw this.#pullFailed(
        `${what} in ${this.#where(repository)} failed: the registry answered HTTP ${response.status}`,
      );
  }

  #json(response: Download, repository: string, what: string): Record<string, unknown> {
    try {
      const value: unknown = JSON.parse(new TextDecoder().decode(response.bytes));
      if (typeof value === "object" && value !== null) return value as Record<string, unknown>;
    } catch {
      // reported below
    }
    throw this.#pullFailed(`the ${what} of ${this.#where(repository)} is not valid JSON`);
  }

  /** `Link: </v2/x/tags/list?last=y&n=1000>; rel="next"`, kept on this registry only. */
  #nextPage(link: string | null): string | undefined {
    const target = link?.match(/<([^>]+)>\s*;\s*rel="?next"?/)?.[1];
    if (!target) return undefined;
    const url = new URL(target, this.#base);
    return url.origin === this.#base ? url.toString() : undefined;
  }

  #manifestUrl(repository: string, reference: string): string {
    return `${this.#base}/v2/${repository}/manifests/${encodeURIComponent(reference).replace("%3A", ":")}`;
  }

  #where(repository: string): string {
    return `${this.#options.host}/${repository}`;
  }

  #notFound(repository: string, reference: string): ReconcileError {
    return isDigest(reference)
      ? this.#pullFailed(`manifest ${reference} not found in ${this.#where(repository)}`)
      : this.#pullFailed(`tag '${reference}' not found in ${this.#where(repository)}`);
  }

  #pullFailed(message: string): ReconcileError {
    return new ReconcileError(OCI_PULL_FAILED, message);
  }
}
