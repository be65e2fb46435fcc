import { ReconcileError } from "../reconcile/reconciler.ts";
import { type KubeObject, objectSubject } from "../render/kube-object.ts";
import { scrubSecrets } from "../sources/redact.ts";
import { KubeApiError, NoKindMatchError } from "./kube-errors.ts";

/** Flux's Ready=False reasons for the apply and prune steps. */
export const RECONCILIATION_FAILED = "ReconciliationFailed";
export const PRUNE_FAILED = "PruneFailed";

/** The values a Secret manifest carries, raw and decoded, so no message can echo them. */
export function secretValues(object: KubeObject | undefined): string[] {
  if (object?.kind !== "Secret" || object.apiVersion !== "v1") return [];
  const values: string[] = [];
  for (const field of ["data", "stringData"] as const) {
    const map = object[field];
    if (typeof map !== "object" || map === null) continue;
    for (const value of Object.values(map as Record<string, unknown>)) {
      if (typeof value !== "string") continue;
      values.push(value);
      if (field === "data") values.push(Buffer.from(value, "base64").toString("utf8"));
    }
  }
  return values;
}

/** ` (Reason): what went wrong` in the API server's words, with any Secret value removed. */
export function describeError(error: unknown, object?: KubeObject): string {
  const text =
    error instanceof KubeApiError
      ? error.reason && error.code > 0
        ? ` (${error.reason}): ${error.message}`
        : `: ${error.message}`
      : `: ${error instanceof Error ? error.message : String(error)}`;
  return scrubSecrets(text, secretValues(object));
}

/** A dry-run failure naming the object; `hint` says what to do when we know. */
export function dryRunFailure(object: KubeObject, error: unknown, hint?: string): ReconcileError {
  const subject = objectSubject(object);
  if (error instanceof NoKindMatchError) {
    return new ReconcileError(
      RECONCILIATION_FAILED,
      `${subject} dry-run failed: no CRD installed for kind '${error.kind}' in apiVersion '${error.apiVersion}': ` +
        "install its CustomResourceDefinition first or add it to the same sources",
      { cause: error },
    );
  }
  const detail = describeError(error, object);
  const message = `${subject} dry-run failed${detail}${hint ? `; ${hint}` : ""}`;
  return new ReconcileError(RECONCILIATION_FAILED, message, { cause: error });
}

export function applyFailure(object: KubeObject, step: string, error: unknown): ReconcileError {
  return new ReconcileError(
    RECONCILIATION_FAILED,
    `${objectSubject(object)} ${step} failed${describeError(error, object)}`,
    { cause: error },
  );
}

/** When the run's signal fired: the loop's timeout error, told what we were doing. */
export function abortedWhile(
  signal: AbortSignal,
  doing: string,
  reason = RECONCILIATION_FAILED,
): ReconcileError {
  const base = signal.reason instanceof Error ? signal.reason.message : "reconciliation aborted";
  return new ReconcileError(reason, `${base} while ${doing}`, { cause: signal.reason });
}
