import { PortError } from "../../ports/errors.ts";
import { isTransientSdkError, sdkErrorShape } from "./sdk-errors.ts";

// SQS's own names for a busy KMS key and an in-flight limit; the SDK's classification knows neither.
const SQS_TRANSIENT_NAMES: ReadonlySet<string> = new Set(["KmsThrottled", "OverLimit"]);

/** Runs one SQS call and maps its errors onto PortErrors: the one place this adapter does so. */
export async function call<T>(request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (error) {
    throw toPortError(error);
  }
}

function toPortError(error: unknown): unknown {
  if (!(error instanceof Error) || error instanceof PortError) return error;
  const { name, message } = error;
  if (
    name === "ReceiptHandleIsInvalid" ||
    name === "MessageNotInflight" ||
    (name === "InvalidParameterValue" && /receipt handle/i.test(message))
  )
    return new PortError("Conflict", `this delivery is no longer current: ${message}`, { cause: error });
  if (isTransientSdkError(error, { extraNames: SQS_TRANSIENT_NAMES }))
    return new PortError("Transient", message, { cause: error });
  if (name === "QueueDoesNotExist" || name === "AWS.SimpleQueueService.NonExistentQueue")
    return new PortError("NotFound", message, { cause: error });
  if (sdkErrorShape(error).fault === "client")
    return new PortError("Invalid", `${name}: ${message}`, { cause: error });
  return error;
}
