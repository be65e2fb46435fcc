import { BucketError } from "../../ports/buckets.ts";
import { ReconcileError } from "../../reconcile/reconciler.ts";
import { scrubSecrets } from "../redact.ts";
import type { BucketSpec } from "./bucket-spec.ts";

export interface ErrorContext {
  readonly spec: BucketSpec;
  /** `namespace/name` of spec.secretRef, when set. */
  readonly secretName?: string;
  /** Values that must never reach a message. */
  readonly secretValues: readonly string[];
}

function credentialsHint(context: ErrorContext): string {
  if (context.secretName) return `check the accesskey and secretkey in secret '${context.secretName}'`;
  if (context.spec.provider === "aws")
    return "the runtime's own AWS credentials were refused: allow its role s3:ListBucket and s3:GetObject on the bucket, or set spec.secretRef";
  return "the bucket does not allow anonymous access: set spec.secretRef to a secret with accesskey and secretkey";
}

function fromBucketError(error: BucketError, context: ErrorContext): ReconcileError {
  const { spec } = context;
  switch (error.reason) {
    case "AccessDenied":
      return new ReconcileError("AuthenticationFailed", `${error.message}: ${credentialsHint(context)}`, {
        cause: error,
      });
    case "BucketNotFound":
      return new ReconcileError(
        "BucketOperationFailed",
        `${error.message}: check spec.bucketName${spec.provider === "aws" ? " and spec.region" : " and spec.endpoint"}`,
        { cause: error },
      );
    case "Unreachable":
      return new ReconcileError(
        "BucketOperationFailed",
        `${error.message}: check spec.endpoint${spec.insecure ? "" : " and whether it needs spec.insecure (plain HTTP)"}`,
        { cause: error },
      );
    default:
      return new ReconcileError("BucketOperationFailed", error.message, { cause: error });
  }
}

/** Any failure of a Bucket run as the ReconcileError the loop reports, with credentials scrubbed. */
export function toReconcileError(error: unknown, context: ErrorContext): unknown {
  const mapped = error instanceof BucketError ? fromBucketError(error, context) : error;
  if (!(mapped instanceof ReconcileError)) return mapped;
  const message = scrubSecrets(mapped.message, context.secretValues);
  if (message === mapped.message) return mapped;
  return new ReconcileError(mapped.reason, message, { stalled: mapped.stalled });
}
