/**
 * Object storage a Bucket source reads from: S3 and S3-compatible servers (MinIO, Ceph, …).
 * The engine lists and downloads through this port; only the adapter speaks the SDK.
 */

export type BucketProvider = "generic" | "aws";

export interface BucketCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** Counts remote calls and received bytes (a TransferMeter fits). */
export interface BucketTransferCounter {
  request(): void;
  received(bytes: number): void;
}

export interface BucketConnectOptions {
  /**
   * `generic`: the given endpoint, path-style addressing, the given keys or anonymous requests.
   * `aws`: Amazon S3 (or `endpoint` when set), the given keys or the runtime's own credentials.
   */
  readonly provider: BucketProvider;
  /** `host[:port]`, no scheme. Required for `generic`. */
  readonly endpoint?: string;
  readonly region?: string;
  /** Plain HTTP instead of HTTPS. */
  readonly insecure?: boolean;
  readonly bucketName: string;
  readonly credentials?: BucketCredentials;
  readonly meter?: BucketTransferCounter;
}

export interface BucketObject {
  readonly key: string;
  /** Without surrounding quotes. */
  readonly etag: string;
  readonly size: number;
}

export interface BucketObjectData {
  readonly bytes: Uint8Array;
  /** The ETag of what was read, which may be newer than the listing's. */
  readonly etag: string;
}

export interface BucketConnection {
  /** Every object under `prefix` (all pages), folder markers included. */
  list(prefix: string | undefined, signal: AbortSignal): Promise<BucketObject[]>;
  /** One object's bytes; a `TooLarge` BucketError as soon as more than `maxBytes` arrive. */
  get(key: string, options: { signal: AbortSignal; maxBytes: number }): Promise<BucketObjectData>;
  /** Releases sockets; the connection is not used afterwards. */
  close(): void;
}

export interface BucketConnector {
  connect(options: BucketConnectOptions): BucketConnection;
}

export type BucketErrorReason =
  | "BucketNotFound"
  | "ObjectNotFound"
  /** Wrong, missing or insufficient credentials. */
  | "AccessDenied"
  /** The endpoint did not answer: DNS, refused connection, TLS, timeout. */
  | "Unreachable"
  | "TooLarge"
  | "Failed";

/** A failure at the bucket port; messages name the bucket and endpoint, never credentials. */
export class BucketError extends Error {
  readonly reason: BucketErrorReason;

  constructor(reason: BucketErrorReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "BucketError";
    this.reason = reason;
  }
}
