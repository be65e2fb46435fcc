import type { BucketConnection, BucketConnector, BucketCredentials } from "../../ports/buckets.ts";
import type { StoredObject } from "../../ports/index.ts";
import {
  ReconcileError,
  type ReconcileInput,
  type ReconcileResult,
  type Reconciler,
} from "../../reconcile/reconciler.ts";
import { releaseArtifacts } from "../artifact/garbage.ts";
import {
  artifactOf,
  currentArtifactResult,
  isArtifactCurrent,
  publishArtifact,
} from "../artifact/publish.ts";
import { formatBytes } from "../artifact/tarball.ts";
import { readSecretRef } from "../secret-ref.ts";
import { limitsOf, type SourceDeps } from "../source-deps.ts";
import { type ErrorContext, toReconcileError } from "./bucket-errors.ts";
import { indexEntries, listingRevision, totalSize } from "./bucket-index.ts";
import { listBucket, withoutIgnored } from "./bucket-listing.ts";
import { type BucketSpec, readBucketSpec } from "./bucket-spec.ts";
import { fetchObjects } from "./fetch-objects.ts";

export interface BucketReconcilerDeps extends SourceDeps {
  readonly buckets: BucketConnector;
}

/**
 * Flux's Bucket: the objects of an S3 (or S3-compatible) bucket, under an optional prefix, as
 * a tar.gz artifact whose revision is the digest of their keys and ETags. A poll that finds
 * the same listing costs one list request and downloads nothing.
 */
export class BucketReconciler implements Reconciler {
  readonly kind = "Bucket";
  readonly defaultTimeoutMs = 60_000;
  readonly #deps: BucketReconcilerDeps;

  constructor(deps: BucketReconcilerDeps) {
    this.#deps = deps;
  }

  /** A deleted source's artifacts are removed, unless another source shares them. */
  async finalize({ object }: ReconcileInput): Promise<void> {
    await releaseArtifacts(object, this.#deps);
  }

  async reconcile({ object, now, signal }: ReconcileInput): Promise<ReconcileResult> {
    const spec = readBucketSpec(object.spec);
    const secret = await readSecretRef(object, this.#deps.secrets);
    const secretName = secret
      ? `${object.key.namespace}/${(object.spec.secretRef as { name: string }).name}`
      : undefined;
    const context: ErrorContext = {
      spec,
      ...(secretName ? { secretName } : {}),
      secretValues: secret ? Object.values(secret) : [],
    };
    try {
      const credentials = secret && secretName ? credentialsFrom(secret, secretName) : undefined;
      const connection = this.#deps.buckets.connect({
        provider: spec.provider,
        bucketName: spec.bucketName,
        insecure: spec.insecure,
        ...(spec.endpoint ? { endpoint: spec.endpoint } : {}),
        ...(spec.region ? { region: spec.region } : {}),
        ...(credentials ? { credentials } : {}),
        ...(this.#deps.meter ? { meter: this.#deps.meter } : {}),
      });
      try {
        return await this.#sync({ object, now, signal, spec, connection });
      } finally {
        connection.close();
      }
    } catch (error) {
      throw toReconcileError(error, context);
    }
  }

  async #sync(input: {
    object: StoredObject;
    now: number;
    signal: AbortSignal;
    spec: BucketSpec;
    connection: BucketConnection;
  }): Promise<ReconcileResult> {
    const { object, now, signal, spec, connection } = input;
    const deps = this.#deps;
    const listed = await listBucket(connection, spec.prefix, signal);
    // The raw listing's digest lets an unchanged bucket skip even the `.sourceignore` downloads.
    const status = { listingDigest: listingRevision(listed) };
    const previous = artifactOf(object);
    if (
      previous &&
      object.status?.listingDigest === status.listingDigest &&
      (await isArtifactCurrent(object, previous.revision, deps.artifacts))
    )
      return currentArtifactResult(object, status);

    const entries = await withoutIgnored(indexEntries(listed, spec.bucketName), {
      connection,
      ignore: spec.ignore,
      signal,
    });
    if (await isArtifactCurrent(object, listingRevision(entries), deps.artifacts))
      return currentArtifactResult(object, status);

    const { maxArtifactBytes } = limitsOf(deps);
    const size = totalSize(entries);
    if (size > maxArtifactBytes)
      throw new ReconcileError(
        "SizeLimitExceeded",
        `bucket '${spec.bucketName}'${spec.prefix ? ` under prefix '${spec.prefix}'` : ""} holds ${formatBytes(size)} after ignore rules, over the limit of ${formatBytes(maxArtifactBytes)}: narrow spec.prefix or exclude files with spec.ignore`,
      );
    const fetched = await fetchObjects({
      connection,
      entries,
      maxBytes: maxArtifactBytes,
      bucketName: spec.bucketName,
      signal,
    });
    // ETags as downloaded: an object rewritten since the listing is stored under its new revision.
    const revision = listingRevision(fetched.entries);
    return publishArtifact({ object, revision, content: { files: fetched.files }, now, status }, deps);
  }
}

/** Flux's key names for static S3 credentials. */
function credentialsFrom(secret: Readonly<Record<string, string>>, secretName: string): BucketCredentials {
  const accessKeyId = secret.accesskey;
  const secretAccessKey = secret.secretkey;
  if (!accessKeyId || !secretAccessKey)
    throw new ReconcileError(
      "AuthenticationFailed",
      `secret '${secretName}' named by spec.secretRef must have both 'accesskey' and 'secretkey'`,
    );
  return { accessKeyId, secretAccessKey };
}
