import { PortError } from "../../ports/errors.ts";

/**
 * Failures that may pass on a later try. The SDK's retry strategy already retried the
 * throttling and server ones up to the client's `maxAttempts`; what reaches us is what is left.
 */
const TRANSIENT_NAMES = new Set([
  "ProvisionedThroughputExceededException",
  "ThrottlingException",
  "RequestLimitExceeded",
  "InternalServerError",
  "ServiceUnavailable",
  "TransactionConflictException",
  "TransactionInProgressException",
  "TimeoutError",
  "RequestTimeout",
  "RequestTimeoutException",
]);

const NETWORK_CODES = new Set([
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

/** Cancellation reason codes of a transaction (TransactWriteItems), in the order of its items. */
const TRANSIENT_CANCELLATIONS = new Set([
  "TransactionConflict",
  "ThrottlingError",
  "ProvisionedThroughputExceeded",
]);

interface SdkErrorShape {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly $retryable?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: number };
  readonly CancellationReasons?: readonly { readonly Code?: string }[];
}

/** The cancellation reason codes of a TransactionCanceledException, else an empty list. */
export function cancellationCodes(error: unknown): (string | undefined)[] {
  const shape = error as SdkErrorShape | null;
  if (shape?.name !== "TransactionCanceledException") return [];
  return (shape.CancellationReasons ?? []).map((r) => r.Code);
}

/** A conditional write (or a transaction with one) that lost: the caller decides what it means. */
export function isConditionFailure(error: unknown): boolean {
  return (
    (error as SdkErrorShape | null)?.name === "ConditionalCheckFailedException" ||
    cancellationCodes(error).includes("ConditionalCheckFailed")
  );
}

/**
 * The one place DynamoDB and SDK errors become PortErrors. Anything unrecognised (access
 * denied, a bug of ours) is returned as it is: disguising it as Transient would retry forever.
 */
export function mapDynamoDbError(error: unknown, doing: string): unknown {
  if (error instanceof PortError || typeof error !== "object" || error === null) return error;
  const shape = error as SdkErrorShape;
  const name = typeof shape.name === "string" ? shape.name : "";
  const message = `${doing}: ${error instanceof Error ? error.message : name}`;
  if (isConditionFailure(error)) return new PortError("Conflict", message, { cause: error });
  if (
    TRANSIENT_NAMES.has(name) ||
    (typeof shape.code === "string" && NETWORK_CODES.has(shape.code)) ||
    cancellationCodes(error).some((code) => code !== undefined && TRANSIENT_CANCELLATIONS.has(code)) ||
    shape.$retryable !== undefined ||
    (shape.$metadata?.httpStatusCode ?? 0) >= 500
  )
    return new PortError("Transient", message, { cause: error });
  // A missing table is a deployment mistake, not a missing object: NotFound would read as the latter.
  if (
    name === "ValidationException" ||
    name === "ResourceNotFoundException" ||
    name === "ItemCollectionSizeLimitExceededException" ||
    cancellationCodes(error).includes("ValidationError")
  )
    return new PortError("Invalid", message, { cause: error });
  return error;
}
