import { type ObjectKey, parseKey } from "../ports/index.ts";

/** Why an object was put on the queue; only `due` runs are skipped when no longer due. */
export type WorkReason = "due" | "manual" | "webhook" | "artifact" | "dependency" | "config";

const REASONS: readonly WorkReason[] = ["due", "manual", "webhook", "artifact", "dependency", "config"];

/** The body of a work queue message: which object to reconcile, and why. */
export interface WorkRequest {
  readonly key: ObjectKey;
  readonly reason: WorkReason;
  /** For manual requests: echoed into status.lastHandledReconcileAt, as Flux does. */
  readonly requestedAt?: string;
}

export class InvalidWorkRequest extends Error {
  readonly reason = "InvalidWorkRequest";
}

export function encodeWorkRequest(request: WorkRequest): string {
  const { kind, namespace, name } = request.key;
  return JSON.stringify({
    v: 1,
    key: `${kind}/${namespace}/${name}`,
    reason: request.reason,
    requestedAt: request.requestedAt,
  });
}

/** Parses a message body; anything malformed is an InvalidWorkRequest, which is dead-lettered. */
export function decodeWorkRequest(body: string): WorkRequest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new InvalidWorkRequest("message body is not JSON");
  }
  const data = parsed as { v?: unknown; key?: unknown; reason?: unknown; requestedAt?: unknown };
  if (typeof data !== "object" || data === null || data.v !== 1) {
    throw new InvalidWorkRequest("message body is not a version 1 work request");
  }
  const key = typeof data.key === "string" ? parseKey(data.key) : undefined;
  if (!key)
    throw new InvalidWorkRequest(
      `work request key must be Kind/namespace/name, got ${JSON.stringify(data.key)}`,
    );
  if (!REASONS.includes(data.reason as WorkReason)) {
    throw new InvalidWorkRequest(`unknown work request reason ${JSON.stringify(data.reason)}`);
  }
  if (data.requestedAt !== undefined && typeof data.requestedAt !== "string") {
    throw new InvalidWorkRequest("requestedAt must be a string");
  }
  return {
    key,
    reason: data.reason as WorkReason,
    ...(data.requestedAt ? { requestedAt: data.requestedAt } : {}),
  };
}
