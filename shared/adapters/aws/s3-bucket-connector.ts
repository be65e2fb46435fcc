import {
  GetObjectCommand,
  ListObjectsV2Command,
  S3Client,
  type S3ClientConfig,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import {
  type BucketConnection,
  type BucketConnectOptions,
  type BucketConnector,
  BucketError,
  type BucketObject,
  type BucketObjectData,
  type BucketTransferCounter,
} from "../../ports/buckets.ts";
import { isNetworkError } from "./sdk-errors.ts";

export interface S3BucketConnectorOptions {
  /** Merged under what each Bucket asks for (tests point `aws` buckets at moto with it). */
  readonly clientConfig?: S3ClientConfig;
}

const DEFAULT_REGION = "us-east-1";
// Amazon's own hosts: the SDK resolves the right regional endpoint itself from the region.
const AMAZON_S3_HOST = /(^|\.)s3([.-][a-z0-9-]+)?\.amazonaws\.com(\.cn)?$/;

/** Bucket sources on Amazon S3 or any S3-compatible server, through the AWS SDK. */
export class S3BucketConnector implements BucketConnector {
  readonly #base: S3ClientConfig;

  constructor(options: S3BucketConnectorOptions = {}) {
    this.#base = options.clientConfig ?? {};
  }

  connect(options: BucketConnectOptions): BucketConnection {
    const config: S3ClientConfig = {
      ...this.#base,
      // S3-compatible servers rarely know the newer flexible checksums; plain MD5/ETag is enough.
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    };
    const scheme = options.insecure ? "http" : "https";
    if (options.provider === "generic") {
      if (!options.endpoint) throw new BucketError("Failed", "a generic bucket needs an endpoint");
      config.endpoint = `${scheme}://${options.endpoint}`;
      // MinIO and most S3-compatible servers only answer path-style requests.
      config.forcePathStyle = true;
      config.region = options.region ?? DEFAULT_REGION;
      if (options.credentials) config.credentials = options.credentials;
      else {
        // Anonymous access to a public bucket: no signature at all.
        config.credentials = { accessKeyId: "anonymous", secretAccessKey: "anonymous" };
        config.signer = { sign: async (request) => request };
      }
    } else {
      if (options.endpoint && !AMAZON_S3_HOST.test(options.endpoint.replace(/:\d+$/, "")))
        config.endpoint = `${scheme}://${options.endpoint}`;
      if (options.region) config.region = options.region;
      if (options.credentials) config.credentials = options.credentials;
    }
    const where = config.endpoint
      ? String(config.endpoint)
      : `Amazon S3 (${typeof config.region === "string" ? config.region : "default region"})`;
    return new S3BucketConnection({
      client: new S3Client(config),
      bucket: options.bucketName,
      where,
      ...(options.meter ? { meter: options.meter } : {}),
    });
  }
}

interface ConnectionInput {
  readonly client: S3Client;
  readonly bucket: string;
  /** The endpoint, for messages. */
  readonly where: string;
  readonly meter?: BucketTransferCounter;
}

class S3BucketConnection implements BucketConnection {
  readonly #input: ConnectionInput;

  constructor(input: ConnectionInput) {
    this.#input = input;
  }

  async list(prefix: string | undefined, signal: AbortSignal): Promise<BucketObject[]> {
    const { client, bucket, meter } = this.#input;
    const objects: BucketObject[] = [];
    let token: string | undefined;
    try {
      do {
        meter?.request();
        const page = await client.send(
          new ListObjectsV2Command({
            Bucket: bucket,
            ...(prefix ? { Prefix: prefix } : {}),
            ...(token ? { ContinuationToken: token } : {}),
          }),
          { abortSignal: signal },
        );
        for (const item of page.Contents ?? []) {
          if (item.Key === undefined) continue;
          objects.push({ key: item.Key, etag: unquote(item.ETag), size: item.Size ?? 0 });
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    } catch (error) {
      throw this.#mapped(error, signal);
    }
    return objects;
  }

  async get(key: string, options: { signal: AbortSignal; maxBytes: number }): Promise<BucketObjectData> {
    const { client, bucket, meter } = this.#input;
    try {
      meter?.request();
      const output = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }), {
        abortSignal: options.signal,
      });
      const chunks: Uint8Array[] = [];
      let size = 0;
      for await (const chunk of (output.Body ?? []) as AsyncIterable<Uint8Array>) {
        size += chunk.byteLength;
        meter?.received(chunk.byteLength);
        if (size > options.maxBytes) {
          (output.Body as { destroy?: () => void } | undefined)?.destroy?.();
          throw new BucketError("TooLarge", `object '${key}' is larger than ${options.maxBytes} bytes`);
        }
        chunks.push(chunk);
      }
      return { bytes: Buffer.concat(chunks), etag: unquote(output.ETag) };
    } catch (error) {
      throw this.#mapped(error, options.signal, key);
    }
  }

  close(): void {
    this.#input.client.destroy();
  }

  #mapped(error: unknown, signal: AbortSignal, key?: string): unknown {
    if (signal.aborted) return signal.reason ?? error;
    if (error instanceof BucketError) return error;
    const { bucket, where } = this.#input;
    const subject = key === undefined ? `bucket '${bucket}'` : `object '${key}' in bucket '${bucket}'`;
    if (error instanceof S3ServiceException) {
      const status = error.$metadata?.httpStatusCode;
      if (error.name === "NoSuchBucket")
        return new BucketError("BucketNotFound", `bucket '${bucket}' not found at ${where}`, {
          cause: error,
        });
      if (error.name === "NoSuchKey" || (key !== undefined && error.name === "NotFound"))
        return new BucketError("ObjectNotFound", `${subject} not found`, { cause: error });
      if (DENIED.has(error.name) || status === 401 || status === 403)
        return new BucketError(
          "AccessDenied",
          `access to ${subject} at ${where} denied (${describe(error)})`,
          {
            cause: error,
          },
        );
      return new BucketError(
        "Failed",
        `${subject} at ${where} failed (${describe(error)}): ${error.message}`,
        {
          cause: error,
        },
      );
    }
    const { name, code, message } = (error ?? {}) as { name?: string; code?: string; message?: string };
    if (name === "CredentialsProviderError")
      return new BucketError("AccessDenied", `no credentials for ${subject}: ${message ?? name}`, {
        cause: error,
      });
    if (isNetworkError(error) || (code !== undefined && TLS_FAILURE_CODES.has(code)))
      return new BucketError("Unreachable", `${where} is unreachable (${code ?? name})`, { cause: error });
    return new BucketError("Failed", `${subject} at ${where}: ${message ?? String(error)}`, { cause: error });
  }
}

const DENIED = new Set([
  "AccessDenied",
  "InvalidAccessKeyId",
  "SignatureDoesNotMatch",
  "InvalidToken",
  "ExpiredToken",
  "AuthorizationHeaderMalformed",
]);
// Not transient (a certificate does not fix itself), but to the user the endpoint did not answer either.
const TLS_FAILURE_CODES = new Set([
  "CERT_HAS_EXPIRED",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

/** S3's error code, or the HTTP status when the server sent no parsable error. */
function describe(error: S3ServiceException): string {
  const status = error.$metadata?.httpStatusCode;
  return error.name && error.name !== "Unknown" ? error.name : `HTTP ${status ?? "error"}`;
}

function unquote(etag: string | undefined): string {
  return (etag ?? "").replace(/^"(.*)"$/, "$1");
}
