import { createHash } from "node:crypto";
import type { StoredObject } from "../../ports/index.ts";
import type { ReconcileInput, ReconcileResult, Reconciler } from "../../reconcile/reconciler.ts";
import { ReconcileError } from "../../reconcile/reconciler.ts";
import { collectArtifactGarbage, releaseArtifacts } from "../artifact/garbage.ts";
import {
  ARTIFACT_IN_STORAGE,
  artifactOf,
  currentArtifactResult,
  isArtifactCurrent,
  publishArtifact,
  retainedOf,
} from "../artifact/publish.ts";
import { type Download, download } from "../http-download.ts";
import { redactUrl, scrubSecrets } from "../redact.ts";
import { limitsOf, type SourceDeps } from "../source-deps.ts";
import { parseHelmIndex } from "./helm-index.ts";
import {
  basicAuthorization,
  type HelmRepositorySpec,
  type RepositoryCredentials,
  readHelmRepositorySpec,
  readRepositoryCredentials,
} from "./repository-spec.ts";
import { statusField } from "./status-field.ts";

/** The ETag of the stored index, kept so an unchanged index is answered with a bodiless 304. */
const ETAG_FIELD = "indexETag";

/**
 * HelmRepository (`source.toolkit.fluxcd.io/v1`). A `default` repository's index.yaml becomes
 * the artifact, revision `sha256:<hex of its bytes>`, and HelmCharts pick versions from it.
 * An `oci` repository is only a pointer to a registry: it stores nothing and reports ready.
 */
export class HelmRepositoryReconciler implements Reconciler {
  readonly kind = "HelmRepository";
  /** Flux's default `spec.timeout` for fetching an index. */
  readonly defaultTimeoutMs = 60_000;
  readonly #deps: SourceDeps;

  constructor(deps: SourceDeps) {
    this.#deps = deps;
  }

  /** A deleted source's artifacts are removed, unless another source shares them. */
  async finalize({ object }: ReconcileInput): Promise<void> {
    await releaseArtifacts(object, this.#deps);
  }

  async reconcile({ object, now, signal }: ReconcileInput): Promise<ReconcileResult> {
    const spec = readHelmRepositorySpec(object);
    if (spec.type === "oci") return this.#ociRepository(object, spec);
    const credentials = await readRepositoryCredentials(object, this.#deps.secrets);
    const indexUrl = `${spec.url}/index.yaml`;
    try {
      const etag = this.#revalidationTag(object, spec);
      let response = await this.#fetch(indexUrl, credentials, etag, signal);
      if (response.status === 304) {
        const stored = artifactOf(object);
        if (stored && (await isArtifactCurrent(object, stored.revision, this.#deps.artifacts)))
          return currentArtifactResult(object, { url: spec.url, [ETAG_FIELD]: etag });
        response = await this.#fetch(indexUrl, credentials, undefined, signal);
      }
      checkResponse(response, indexUrl, credentials);
      parseHelmIndex(response.bytes, redactUrl(indexUrl));
      const hex = createHash("sha256").update(response.bytes).digest("hex");
      const digest = `sha256:${hex}` as const;
      return await publishArtifact(
        {
          object,
          revision: digest,
          content: { bytes: response.bytes, digest },
          now,
          noun: "index revision",
          status: {
            url: spec.url,
            ...statusField(object, ETAG_FIELD, response.headers.get("etag") ?? undefined),
          },
        },
        this.#deps,
      );
    } catch (error) {
      if (error instanceof ReconcileError && credentials) {
        const message = scrubSecrets(error.message, [credentials.password]);
        if (message !== error.message)
          throw new ReconcileError(error.reason, message, { stalled: error.stalled });
      }
      throw error;
    }
  }

  /** The ETag worth sending: only for the index this generation and URL already stored. */
  #revalidationTag(object: StoredObject, spec: HelmRepositorySpec): string | undefined {
    const etag = object.status?.[ETAG_FIELD];
    if (typeof etag !== "string" || !artifactOf(object)) return undefined;
    if (object.status?.observedGeneration !== object.generation || object.status?.url !== spec.url)
      return undefined;
    return etag;
  }

  #fetch(
    url: string,
    credentials: RepositoryCredentials | undefined,
    etag: string | undefined,
    signal: AbortSignal,
  ): Promise<Download> {
    return download(url, {
      headers: {
        ...(credentials ? { authorization: basicAuthorization(credentials) } : {}),
        ...(etag ? { "if-none-match": etag } : {}),
      },
      signal,
      maxBytes: limitsOf(this.#deps).maxArtifactBytes,
      ...(this.#deps.meter ? { meter: this.#deps.meter } : {}),
      failureReason: "IndexationFailed",
    });
  }

  /**
   * Flux keeps no artifact for an OCI repository; HelmCharts read the registry directly. An
   * object switched from `default` lets its index artifacts go.
   */
  async #ociRepository(object: StoredObject, spec: HelmRepositorySpec): Promise<ReconcileResult> {
    const message = `'${redactUrl(spec.url)}' is an OCI registry: HelmCharts pull from it directly, no artifact is stored`;
    const previous = artifactOf(object);
    if (!previous) return { message };
    await collectArtifactGarbage({
      object,
      dropped: [...new Set([previous.digest, ...retainedOf(object)])],
      deps: this.#deps,
    });
    return {
      message,
      status: { artifact: undefined, retainedArtifacts: undefined, url: undefined, [ETAG_FIELD]: undefined },
      conditions: [
        {
          type: ARTIFACT_IN_STORAGE,
          status: "False",
          reason: "OCIRepository",
          message: "OCI repositories keep no artifact",
        },
      ],
    };
  }
}

function checkResponse(
  response: Download,
  url: string,
  credentials: RepositoryCredentials | undefined,
): void {
  const { status } = response;
  if (status >= 200 && status < 300) return;
  const where = redactUrl(url);
  if (status === 401 || status === 403) {
    throw new ReconcileError(
      "AuthenticationFailed",
      credentials
        ? `authentication to ${where} failed (HTTP ${status}): check the username and password in secret '${credentials.secretName}'`
        : `${where} requires authentication (HTTP ${status}): set spec.secretRef to a secret with 'username' and 'password'`,
    );
  }
  if (status === 404)
    throw new ReconcileError("IndexationFailed", `no index.yaml at ${where} (HTTP 404): check spec.url`);
  throw new ReconcileError("IndexationFailed", `fetching ${where} failed: HTTP ${status}`);
}
