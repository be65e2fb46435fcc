import { PortError } from "../../ports/errors.ts";
import { isTransientSdkError, sdkErrorShape } from "./sdk-errors.ts";

// DynamoDB's own names for contention and capacity: they pass once the other writer or the burst has.
const DYNAMODB_TRANSIENT_NAMES: ReadonlySet<string> = new Set([
  "ProvisionedThroughputExceededException",
  "TransactionConflictException",
  "TransactionInProgressException",
]);

/** Cancellation reason codes of a transaction (TransactWriteItems), in the order of its items. */
const TRANSIENT_CANCELLATIONS = new Set([
  "TransactionConflict",
  "ThrottlingError",
  "ProvisionedThroughputExceeded",
]);

interface CanceledTransaction {
  readonly CancellationReasons?: readonly { readonly Code?: string }[];
}

/** The cancellation reason codes of a TransactionCanceledException, else an empty list. */
export function cancellationCodes(error: unknown): (string | undefined)[] {
  if (sdkErrorShape(error).name !== "TransactionCanceledException") return [];
  return ((error as CanceledTransaction).CancellationReasons ?? []).map((r) => r.Code);
}

/** A conditional write (or a transaction with one) that lost: the caller decides what it means. */
export function isConditionFailure(error: unknown): boolean {
  return (
    sdkErrorShape(error).name === "ConditionalCheckFailedException" ||
    cancellationCodes(error).includes("ConditionalCheckFailed")
  );
}

/**
 * The one place DynamoDB and SDK errors become PortErrors. Anything unrecognised (access
 * denied, a bug of ours) is returned as it is: disguising it as Transient would retry forever.
 */
export function mapDynamoDbError(error: unknown, doing: string): unknown {
  if (error instanceof PortError || typeof error !== "object" || error === null) return error;
  const name = sdkErrorShape(error).name ?? "";
  const message = `${doing}: ${error instanceof Error ? error.message : name}`;
  if (isConditionFailure(error)) return new PortError("Conflict", message, { cause: error });
  if (
    isTransientSdkError(error, { extraNames: DYNAMODB_TRANSIENT_NAMES }) ||
    cancellationCodes(error).some((code) => code !== undefined && TRANSIENT_CANCELLATIONS.has(code))
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
