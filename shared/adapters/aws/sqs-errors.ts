import { PortError } from "../../ports/errors.ts";

const TRANSIENT_NAMES = new Set([
  "RequestThrottled",
  "ThrottlingException",
  "KmsThrottled",
  "OverLimit",
  "ServiceUnavailable",
  "InternalError",
  "InternalFailure",
  "TimeoutError",
  "RequestTimeout",
]);
const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EAI_AGAIN"]);

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
  const sdk = error as { $fault?: string; $retryable?: unknown; $metadata?: { httpStatusCode?: number } };
  const code = (error as { code?: unknown }).code;
  if (
    name === "ReceiptHandleIsInvalid" ||
    name === "MessageNotInflight" ||
    (name === "InvalidParameterValue" && /receipt handle/i.test(message))
  )
    return new PortError("Conflict", `this delivery is no longer current: ${message}`, { cause: error });
  if (
    TRANSIENT_NAMES.has(name) ||
    sdk.$retryable !== undefined ||
    sdk.$fault === "server" ||
    (typeof code === "string" && NETWORK_CODES.has(code))
  )
    return new PortError("Transient", message, { cause: error });
  if (name === "QueueDoesNotExist" || name === "AWS.SimpleQueueService.NonExistentQueue")
    return new PortError("NotFound", message, { cause: error });
  if (sdk.$fault === "client") return new PortError("Invalid", `${name}: ${message}`, { cause: error });
  return error;
}
