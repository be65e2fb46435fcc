import type { StoredObject } from "../../ports/index.ts";
import { isPortError } from "../../ports/index.ts";
import type { RegistryLogin } from "../../ports/registry-login.ts";
import {
  ReconcileError,
  type ReconcileInput,
  type ReconcileResult,
  type Reconciler,
} from "../../reconcile/reconciler.ts";
import { releaseArtifacts } from "../artifact/garbage.ts";
import { currentArtifactResult, isArtifactCurrent, publishArtifact } from "../artifact/publish.ts";
import { scrubSecrets } from "../redact.ts";
import { readSecretRef } from "../secret-ref.ts";
import { limitsOf, type SourceDeps } from "../source-deps.ts";
import { highestMatching, latestVersions } from "../version-constraint.ts";
import { RegistryClientCache } from "./client-cache.ts";
import { credentialsFromSecret } from "./docker-config.ts";
import { checkLayerSize, layerContent, selectLayer } from "./layer-content.ts";
import { OCI_PULL_FAILED } from "./manifest.ts";
import type { RegistryCredentials } from "./registry-auth.ts";
import type { RegistryClient } from "./registry-client.ts";
import { type OciRef, type OciRepositorySpec, readOciRepositorySpec } from "./repository-spec.ts";

export interface OCIRepositoryDeps extends SourceDeps {
  /** Cloud logins for `spec.provider: aws`; without it such objects fail with a clear message. */
  readonly registryLogin?: RegistryLogin;
}

interface Access {
  readonly credentials?: RegistryCredentials;
  /** What to check when the registry refuses them. */
  readonly hint: string;
  /** Values to scrub from any message. */
  readonly secrets: readonly string[];
}

/**
 * Flux's OCIRepository: one layer of an OCI artifact (by tag, semver range or digest) as an
 * artifact whose revision is `<tag>@<manifest digest>`. A poll that finds the same digest costs
 * one HEAD request (a tag list too for semver), and a digest ref already stored costs nothing.
 */
export class OCIRepositoryReconciler implements Reconciler {
  readonly kind = "OCIRepository";
  readonly defaultTimeoutMs = 60_000;
  readonly #deps: OCIRepositoryDeps;
  readonly #clients = new RegistryClientCache();

  constructor(deps: OCIRepositoryDeps) {
    this.#deps = deps;
  }

  /** A deleted source's artifacts are removed, unless another source shares them. */
  async finalize({ object }: ReconcileInput): Promise<void> {
    await releaseArtifacts(object, this.#deps);
  }

  async reconcile({ object, now, signal }: ReconcileInput): Promise<ReconcileResult> {
    const spec = readOciRepositorySpec(object.spec);
    const status = {
      url: spec.address.url,
      ...(spec.ignore !== undefined ? { observedIgnore: spec.ignore } : {}),
      ...(spec.observedLayerSelector ? { observedLayerSelector: spec.observedLayerSelector } : {}),
    };
    // A digest names immutable content: once stored, there is nothing to ask the registry.
    if (
      spec.ref.kind === "digest" &&
      (await isArtifactCurrent(object, spec.ref.digest, this.#deps.artifacts))
    )
      return currentArtifactResult(object, status);
    const access = await this.#access(object, spec, signal);
    try {
      return await this.#pull({ object, now, signal, spec, access, status });
    } catch (error) {
      if (!(error instanceof ReconcileError)) throw error;
      const message = scrubSecrets(error.message, access.secrets);
      if (message === error.message) throw error;
      throw new ReconcileError(error.reason, message, { stalled: error.stalled });
    }
  }

  async #pull(input: {
    object: StoredObject;
    now: number;
    signal: AbortSignal;
    spec: OciRepositorySpec;
    access: Access;
    status: Record<string, unknown>;
  }): Promise<ReconcileResult> {
    const { object, now, signal, spec, access, status } = input;
    const { host, repository } = spec.address;
    const { maxArtifactBytes } = limitsOf(this.#deps);
    const client = this.#clients.get({
      host,
      plainHttp: spec.insecure,
      maxBytes: maxArtifactBytes,
      credentialsHint: access.hint,
      ...(access.credentials ? { credentials: access.credentials } : {}),
      ...(this.#deps.meter ? { meter: this.#deps.meter } : {}),
    });
    const { digest, revision } = await this.#resolve(client, spec, signal);
    if (await isArtifactCurrent(object, revision, this.#deps.artifacts))
      return currentArtifactResult(object, status);

    const where = `${host}/${repository}@${digest}`;
    const { manifest } = await client.getManifest(repository, digest, signal);
    const layer = selectLayer(manifest, spec.layerSelector, where);
    checkLayerSize(layer, maxArtifactBytes, where);
    const blob = await client.getBlob(repository, layer.digest, signal);
    const content = await layerContent({
      blob,
      layer,
      selector: spec.layerSelector,
      ignore: spec.ignore,
      maxBytes: maxArtifactBytes,
      where,
    });
    return publishArtifact(
      {
        object,
        revision,
        content,
        now,
        status,
        ...(manifest.annotations ? { metadata: manifest.annotations } : {}),
      },
      this.#deps,
    );
  }

  async #resolve(
    client: RegistryClient,
    spec: OciRepositorySpec,
    signal: AbortSignal,
  ): Promise<{ digest: string; revision: string }> {
    const { ref } = spec;
    if (ref.kind === "digest") return { digest: ref.digest, revision: ref.digest };
    const tag = ref.kind === "tag" ? ref.tag : await this.#pickTag(client, spec, ref, signal);
    const digest = await client.resolve(spec.address.repository, tag, signal);
    return { digest, revision: `${tag}@${digest}` };
  }

  async #pickTag(
    client: RegistryClient,
    spec: OciRepositorySpec,
    ref: Extract<OciRef, { kind: "semver" }>,
    signal: AbortSignal,
  ): Promise<string> {
    const tags = await client.listTags(spec.address.repository, signal);
    const candidates = ref.filter ? tags.filter((t) => ref.filter?.test(t)) : tags;
    const tag = highestMatching(candidates, ref.constraint);
    if (tag) return tag;
    const latest = latestVersions(candidates).join(", ") || "none";
    throw new ReconcileError(
      OCI_PULL_FAILED,
      `no tag of ${spec.address.host}/${spec.address.repository} matches semver '${ref.constraint.text}'${ref.filter ? ` and filter '${ref.filter.source}'` : ""}; latest versions: ${latest}`,
    );
  }

  /** Credentials from spec.secretRef, or from the runtime's cloud identity for `provider: aws`. */
  async #access(object: StoredObject, spec: OciRepositorySpec, signal: AbortSignal): Promise<Access> {
    const { host } = spec.address;
    const secret = await readSecretRef(object, this.#deps.secrets);
    if (secret) {
      const name = `${object.key.namespace}/${(object.spec.secretRef as { name: string }).name}`;
      return {
        credentials: credentialsFromSecret(secret, host, name),
        hint: `check the username and password in secret '${name}'`,
        secrets: Object.values(secret),
      };
    }
    if (spec.provider !== "aws")
      return {
        hint: "set spec.secretRef to a docker-registry secret with credentials for this registry",
        secrets: [],
      };
    const login = this.#deps.registryLogin;
    if (!login)
      throw new ReconcileError(
        "AuthenticationFailed",
        `spec.provider 'aws' needs ECR login, which this sluice runtime does not have: use spec.secretRef, or run on AWS`,
      );
    try {
      const credentials = await login.login({ provider: "aws", host, signal });
      return {
        credentials,
        hint: `check that sluice's IAM role may call ecr:GetAuthorizationToken and pull from ${host}/${spec.address.repository}`,
        secrets: [credentials.password],
      };
    } catch (error) {
      if (!isPortError(error)) throw error;
      throw new ReconcileError("AuthenticationFailed", error.message, { cause: error });
    }
  }
}
