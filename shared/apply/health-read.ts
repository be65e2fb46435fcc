import { ApiException, type KubernetesObjectApi } from "@kubernetes/client-node";
import { health } from "./health-fields.ts";
import { computeHealth, type HealthResult } from "./health-status.ts";
import type { ObjectRef } from "./object-ref.ts";

/** Longest a single read may hang before the object counts as Unknown for this poll. */
const READ_TIMEOUT_MS = 15_000;

/**
 * Reads one object and judges it. Never throws for cluster errors: a missing object or kind is NotFound
 * and any other failure Unknown, so one bad read does not hide the others. Throws only when `signal` aborts.
 */
export async function readHealth(
  client: KubernetesObjectApi,
  ref: ObjectRef,
  signal: AbortSignal,
): Promise<HealthResult> {
  const header = {
    apiVersion: ref.apiVersion,
    kind: ref.kind,
    metadata: { name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) },
  };
  try {
    const live = await untilAborted(client.read(header), signal, READ_TIMEOUT_MS);
    // The client turns built-in kinds into model instances (timestamps as Dates): judge plain JSON instead.
    return computeHealth(JSON.parse(JSON.stringify(live)) as Record<string, unknown>);
  } catch (error) {
    signal.throwIfAborted();
    return readFailure(error, ref);
  }
}

function readFailure(error: unknown, ref: ObjectRef): HealthResult {
  const message = error instanceof Error ? error.message : String(error);
  // The client resolves kinds through discovery: an unserved kind (e.g. its CRD is not established yet)
  // surfaces either as a plain Error or as a 404 on the group's discovery document.
  const unserved =
    message.startsWith("Unrecognized API version and kind") ||
    (error instanceof ApiException && error.code === 404 && message.startsWith("Failed to fetch resource"));
  if (unserved) return health("NotFound", `the cluster does not serve kind ${ref.kind} in ${ref.apiVersion}`);
  if (error instanceof ApiException) {
    if (error.code === 404) return health("NotFound", "not found");
    return health(
      "Unknown",
      `cannot read it from the API server: HTTP ${error.code}${statusMessage(error.body)}`,
    );
  }
  if (error instanceof ReadTimeout) return health("Unknown", error.message);
  return health("Unknown", `cannot read it from the API server: ${message}`);
}

/** The API server's own explanation from a Status body, when it sent one. */
function statusMessage(body: unknown): string {
  const parsed = typeof body === "string" ? safeJson(body) : body;
  const text =
    typeof parsed === "object" && parsed !== null ? (parsed as { message?: unknown }).message : undefined;
  return typeof text === "string" && text ? `: ${text}` : "";
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

class ReadTimeout extends Error {}

/**
 * The client cannot cancel a read, so we stop waiting for it instead: the caller's abort rejects at once
 * with the abort reason, and a read that hangs longer than `timeoutMs` rejects with ReadTimeout.
 */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal, timeoutMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      done();
      reject(signal.reason);
    };
    const timer = setTimeout(
      () => reject(new ReadTimeout(`the API server did not answer within ${timeoutMs / 1000}s`)),
      timeoutMs,
    );
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
    };
    if (signal.aborted) {
      done();
      reject(signal.reason);
      return;
    }
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(
      (value) => {
        done();
        resolve(value);
      },
      (error: unknown) => {
        done();
        reject(error);
      },
    );
  });
}
