import { findCondition, READY } from "../api/conditions.ts";
import {
  type Clock,
  formatKey,
  type OutgoingMessage,
  type SecretStore,
  type StateStore,
  type StoredObject,
  type WorkQueue,
} from "../ports/index.ts";
import { type Logger, silentLogger } from "../reconcile/logger.ts";
import { ReconcileError } from "../reconcile/reconciler.ts";
import { conditionsOf } from "../reconcile/status.ts";
import { encodeWorkRequest } from "../reconcile/work-request.ts";
import { deliveryIdOf } from "./delivery-id.ts";
import { type ReceiverSpec, readReceiverSpec } from "./receiver-spec.ts";
import { readReceiverToken } from "./receiver-token.ts";
import { resolveResources } from "./resolve-resources.ts";
import { verifyWebhookRequest } from "./verify-request.ts";
import { isWebhookPath, sameWebhookPath, webhookPath } from "./webhook-path.ts";

/** Larger bodies are refused before anything is looked up; transports may stop reading here. */
export const MAX_WEBHOOK_BODY_BYTES = 2 * 1024 * 1024;

/** One HTTP request as any transport (node:http, a Lambda function URL) hands it over. */
export interface WebhookRequest {
  readonly method: string;
  /** The URL's path; a query string, if the transport leaves one, is ignored. */
  readonly path: string;
  /** Lower-cased names. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** The raw bytes, exactly as sent: signatures are computed over them. */
  readonly body: Buffer;
}

export type WebhookResponseBody =
  /** requestedAt comes back as each object's status.lastHandledReconcileAt once it ran. */
  | { readonly accepted: readonly string[]; readonly requestedAt?: string }
  | { readonly error: { readonly reason: string; readonly message: string } };

/** Serialise `body` as JSON. */
export interface WebhookResponse {
  readonly status: number;
  readonly body: WebhookResponseBody;
}

export interface WebhookDeps {
  readonly state: StateStore;
  readonly queue: WorkQueue;
  readonly secrets: SecretStore;
  readonly clock: Clock;
  /** One line per rejected request, with the reason; never the token, a signature or the body. */
  readonly log?: Logger;
  /** @default MAX_WEBHOOK_BODY_BYTES */
  readonly maxBodyBytes?: number;
  /** Flux's `--no-cross-namespace-refs`. @default false */
  readonly noCrossNamespaceRefs?: boolean;
}

export type WebhookHandler = (request: WebhookRequest) => Promise<WebhookResponse>;

/** A refusal: `message` is what the sender sees, `detail` what the log says (which may say more). */
class Rejection extends Error {
  readonly status: number;
  readonly reason: string;
  readonly detail: string;
  readonly receiver: string | undefined;

  constructor(status: number, reason: string, message: string, detail = message, receiver?: string) {
    super(message);
    this.name = "Rejection";
    this.status = status;
    this.reason = reason;
    this.detail = detail;
    this.receiver = receiver;
  }
}

const notFound = () => new Rejection(404, "NotFound", "not found");

async function findReceiver(state: StateStore, path: string): Promise<StoredObject | undefined> {
  const receivers = await state.listObjects({ kind: "Receiver" });
  return receivers.find((receiver) => {
    const own = receiver.status?.webhookPath;
    return typeof own === "string" && sameWebhookPath(own, path);
  });
}

function isReady(receiver: StoredObject): boolean {
  return findCondition(conditionsOf(receiver.status), READY)?.status === "True";
}

/** The Receiver's spec and token, or why it cannot take requests now. */
async function prepare(
  receiver: StoredObject,
  path: string,
  secrets: SecretStore,
): Promise<{ spec: ReceiverSpec; token: string }> {
  const name = formatKey(receiver.key);
  const unavailable = (detail: string) =>
    new Rejection(503, "ReceiverUnavailable", "the receiver is not accepting requests", detail, name);
  let spec: ReceiverSpec;
  try {
    spec = readReceiverSpec(receiver);
  } catch (error) {
    throw unavailable(`its spec is invalid: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (spec.suspend) throw unavailable("it is suspended");
  if (!isReady(receiver)) throw unavailable("it is not Ready");
  let token: string;
  try {
    token = await readReceiverToken(secrets, spec.secretRef);
  } catch (error) {
    if (!(error instanceof ReconcileError)) throw error;
    throw new Rejection(
      500,
      "ReceiverMisconfigured",
      "the receiver cannot verify requests",
      error.message,
      name,
    );
  }
  // A rotated token moves the path at once, rather than at the Receiver's next reconcile.
  if (!sameWebhookPath(webhookPath({ token, ...receiver.key }), path))
    throw new Rejection(404, "NotFound", "not found", "the path belongs to a token that was replaced", name);
  return { spec, token };
}

async function handle(request: WebhookRequest, deps: WebhookDeps): Promise<WebhookResponse> {
  const log = deps.log ?? silentLogger;
  if (request.method.toUpperCase() !== "POST")
    throw new Rejection(405, "MethodNotAllowed", "webhooks are POST requests");
  const limit = deps.maxBodyBytes ?? MAX_WEBHOOK_BODY_BYTES;
  if (request.body.length > limit)
    throw new Rejection(413, "PayloadTooLarge", `webhook bodies are limited to ${limit} bytes`);
  const path = request.path.split("?")[0] ?? "";
  if (!isWebhookPath(path)) throw notFound();
  const receiver = await findReceiver(deps.state, path);
  if (!receiver) throw notFound();
  const name = formatKey(receiver.key);
  const { spec, token } = await prepare(receiver, path, deps.secrets);

  const verdict = verifyWebhookRequest({ spec, token, headers: request.headers, body: request.body });
  if (!verdict.ok) {
    // Which header failed helps the operator; it would only help a forger.
    const message =
      verdict.status === 401 ? "the request's signature or token is missing or invalid" : verdict.message;
    throw new Rejection(verdict.status, verdict.reason, message, verdict.message, name);
  }
  if (verdict.ping) {
    log.info("webhook ping answered", { receiver: name, event: verdict.event });
    return { status: 200, body: { accepted: [] } };
  }

  const resolved = await resolveResources({
    state: deps.state,
    namespace: receiver.key.namespace,
    resources: spec.resources,
    ...(deps.noCrossNamespaceRefs ? { noCrossNamespaceRefs: true } : {}),
  });
  if (resolved.missing.length > 0 || resolved.refused.length > 0)
    log.warn("webhook resources skipped", {
      receiver: name,
      missing: resolved.missing,
      refusedCrossNamespace: resolved.refused,
    });
  const requestedAt = new Date(deps.clock.now()).toISOString();
  const delivery = deliveryIdOf(spec.type, request.headers);
  const messages: OutgoingMessage[] = resolved.keys.map((key) => ({
    groupId: formatKey(key),
    body: encodeWorkRequest({ key, reason: "webhook", requestedAt }),
    ...(delivery ? { dedupId: `webhook:${name}:${delivery}:${formatKey(key)}` } : {}),
  }));
  if (messages.length > 0) await deps.queue.send(messages);
  const accepted = resolved.keys.map(formatKey);
  log.info("webhook accepted", {
    receiver: name,
    event: verdict.event,
    accepted,
    suspended: resolved.suspended.map(formatKey),
  });
  return { status: 202, body: { accepted, requestedAt } };
}

/**
 * The Receiver endpoint, transport-neutral: finds the Receiver by its webhook path, checks the
 * request as Flux does for its type, and puts every object it names on the work queue (reason
 * `webhook`, with a requestedAt that shows up as status.lastHandledReconcileAt). A sender's
 * delivery id becomes the messages' de-duplication id, so a redelivery runs nothing twice.
 */
export function createWebhookHandler(deps: WebhookDeps): WebhookHandler {
  const log = deps.log ?? silentLogger;
  return async (request) => {
    try {
      return await handle(request, deps);
    } catch (error) {
      if (error instanceof Rejection) {
        // A 5xx is ours to fix (a missing secret, say); the rest are the sender's.
        const level = error.status >= 500 ? log.error : log.warn;
        level.call(log, `webhook rejected: ${error.detail}`, {
          status: error.status,
          reason: error.reason,
          ...(error.receiver ? { receiver: error.receiver } : {}),
        });
        return { status: error.status, body: { error: { reason: error.reason, message: error.message } } };
      }
      log.error("webhook failed", {
        error: error instanceof Error ? error.message : String(error),
      });
      return {
        status: 500,
        body: { error: { reason: "InternalError", message: "the request failed; see sluice's log" } },
      };
    }
  };
}
