/**
 * Whether an AWS SDK v3 failure may pass on a later try, decided once for every adapter so they
 * cannot drift apart. The client's retry strategy has already retried the throttling and server
 * failures up to its `maxAttempts`: what reaches an adapter is what is left, and reporting it as
 * transient hands it to the caller's slower schedule. Anything else must stay permanent, because a
 * permanent failure reported as transient is retried forever.
 */

/** The fields of an SDK error that classification reads; absent when missing or of the wrong type. */
export interface SdkErrorShape {
  /** The service's error code (`ThrottlingException`) or, below HTTP, the JavaScript error's name. */
  readonly name: string | undefined;
  /** Node's system error code (`ECONNRESET`), set when no response arrived. */
  readonly code: string | undefined;
  /** The HTTP status of the response. */
  readonly status: number | undefined;
  readonly fault: "client" | "server" | undefined;
  /** The SDK marked the error as one its retry strategy may retry (`$retryable`). */
  readonly retryable: boolean;
}

export interface TransientOptions {
  /** A service's own transient error names, on top of the shared ones. */
  readonly extraNames?: ReadonlySet<string>;
}

// Names several services share or the SDK's own retry classification knows; a name only one
// service uses stays with its adapter, as `extraNames`.
const TRANSIENT_NAMES: ReadonlySet<string> = new Set([
  "ThrottlingException",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "RequestThrottled",
  "SlowDown",
  "ServiceUnavailable",
  "ServiceUnavailableException",
  "InternalError",
  "InternalFailure",
  "InternalServerError",
  "InternalServiceError",
  "ServerException",
  "RequestTimeout",
  "RequestTimeoutException",
  // The SDK corrects its clock offset from the refusal, so the next request is signed right.
  "RequestTimeTooSkewed",
]);

/** Node's codes for a connection that failed or was cut: the endpoint may answer the next one. */
export const NETWORK_ERROR_CODES: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

const NO_SHAPE: SdkErrorShape = {
  name: undefined,
  code: undefined,
  status: undefined,
  fault: undefined,
  retryable: false,
};

/** Reads what classification needs from anything thrown, trusting none of its types. */
export function sdkErrorShape(error: unknown): SdkErrorShape {
  if (typeof error !== "object" || error === null) return NO_SHAPE;
  const e = error as {
    readonly name?: unknown;
    readonly code?: unknown;
    readonly $fault?: unknown;
    readonly $retryable?: unknown;
    readonly $metadata?: unknown;
  };
  const metadata = e.$metadata as { readonly httpStatusCode?: unknown } | null | undefined;
  const status = typeof metadata === "object" ? metadata?.httpStatusCode : undefined;
  return {
    name: typeof e.name === "string" ? e.name : undefined,
    code: typeof e.code === "string" ? e.code : undefined,
    status: typeof status === "number" ? status : undefined,
    fault: e.$fault === "client" || e.$fault === "server" ? e.$fault : undefined,
    retryable: e.$retryable !== undefined,
  };
}

/** The request got no answer: the connection failed, or the SDK gave up waiting (`TimeoutError`). */
export function isNetworkError(error: unknown): boolean {
  const { name, code } = sdkErrorShape(error);
  return name === "TimeoutError" || (code !== undefined && NETWORK_ERROR_CODES.has(code));
}

/** Throttling, a server-side fault, a timeout or a dropped connection: the same call may succeed later. */
export function isTransientSdkError(error: unknown, options: TransientOptions = {}): boolean {
  const { name, status, fault, retryable } = sdkErrorShape(error);
  return (
    (name !== undefined && (TRANSIENT_NAMES.has(name) || options.extraNames?.has(name) === true)) ||
    isNetworkError(error) ||
    retryable ||
    fault === "server" ||
    status === 429 ||
    (status !== undefined && status >= 500)
  );
}
