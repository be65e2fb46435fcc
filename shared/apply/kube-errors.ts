/** The `details` of a Kubernetes Status: which object, and for Invalid, which fields. */
export interface KubeStatusDetails {
  readonly name?: string;
  readonly group?: string;
  readonly kind?: string;
  readonly causes?: readonly {
    readonly reason?: string;
    readonly message?: string;
    readonly field?: string;
  }[];
}

/** A Kubernetes `Status` answer. */
export interface KubeStatus {
  readonly reason?: string;
  readonly message?: string;
  readonly details?: KubeStatusDetails;
}

/** A failed API call: HTTP code (0 when the server could not be reached) and the Status reason. */
export class KubeApiError extends Error {
  readonly code: number;
  /** Status reason: NotFound, Invalid, Conflict, AlreadyExists, Forbidden, BadRequest, …; "" when the server gave none. */
  readonly reason: string;
  readonly details: KubeStatusDetails | undefined;

  constructor(
    code: number,
    reason: string,
    message: string,
    details?: KubeStatusDetails,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "KubeApiError";
    this.code = code;
    this.reason = reason;
    this.details = details;
  }
}

// Node's socket error codes are accurate but cryptic in a status message: say what happened.
const NETWORK_ERRORS: ReadonlyMap<string, string> = new Map([
  ["ECONNREFUSED", "connection refused"],
  // Also Node's "socket hang up": the server (or something between) dropped a request in flight.
  ["ECONNRESET", "connection reset"],
  ["EPIPE", "connection closed while sending"],
  ["ETIMEDOUT", "connection timed out"],
  ["EHOSTUNREACH", "host unreachable"],
  ["ENETUNREACH", "network unreachable"],
  ["ENOTFOUND", "host name not found"],
  ["EAI_AGAIN", "host name lookup failed"],
]);

/** Why a request got no answer, in plain words; TLS and other errors keep Node's own message. */
export function describeNetworkError(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  const plain = typeof code === "string" ? NETWORK_ERRORS.get(code) : undefined;
  return plain ?? (error instanceof Error ? error.message : String(error));
}

/** The API server serves no such kind for the apiVersion: its CRD is missing (or not established yet). */
export class NoKindMatchError extends Error {
  readonly apiVersion: string;
  readonly kind: string;

  constructor(apiVersion: string, kind: string) {
    super(`no kind "${kind}" is served for apiVersion "${apiVersion}"`);
    this.name = "NoKindMatchError";
    this.apiVersion = apiVersion;
    this.kind = kind;
  }
}

export function isNotFound(error: unknown): boolean {
  return error instanceof KubeApiError && error.code === 404;
}

/** A 404 naming a namespace: the object's namespace does not exist (yet). */
export function isNamespaceMissing(error: unknown): boolean {
  return isNotFound(error) && (error as KubeApiError).details?.kind === "namespaces";
}

const IMMUTABLE = /is immutable|immutable field|field is immutable/i;

/**
 * A change the server refuses because a field cannot change once set (a Job's template, a
 * Service's clusterIP, a CEL `self == oldSelf` rule). Flux treats every Invalid as possibly
 * immutable; we look for the word so a plain validation error never leads to a delete.
 */
export function isImmutableError(error: unknown): boolean {
  if (!(error instanceof KubeApiError)) return false;
  if (error.code !== 422 && error.code !== 409 && error.code !== 400) return false;
  if (IMMUTABLE.test(error.message)) return true;
  return (error.details?.causes ?? []).some((c) => IMMUTABLE.test(c.message ?? ""));
}
