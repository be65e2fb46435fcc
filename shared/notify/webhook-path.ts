import { createHash, timingSafeEqual } from "node:crypto";

export const WEBHOOK_PATH_PREFIX = "/hook/";

const WEBHOOK_PATH = /^\/hook\/[0-9a-f]{64}$/;

export interface WebhookPathInput {
  readonly token: string;
  readonly name: string;
  readonly namespace: string;
}

/**
 * A Receiver's webhook path, as Flux derives it: `/hook/` and the hex sha256 of token, name and
 * namespace run together. The same Receiver and token give the same path on Flux and on sluice,
 * so a webhook registered at GitHub keeps working after a move; a new token moves the path.
 */
export function webhookPath(input: WebhookPathInput): string {
  const digest = createHash("sha256").update(`${input.token}${input.name}${input.namespace}`).digest("hex");
  return `${WEBHOOK_PATH_PREFIX}${digest}`;
}

/** True when `path` has the shape of a webhook path; anything else cannot name a Receiver. */
export function isWebhookPath(path: string): boolean {
  return WEBHOOK_PATH.test(path);
}

/**
 * Compares two webhook paths without leaking, through timing, how much of a guess was right:
 * for `generic` receivers the path is the only secret.
 */
export function sameWebhookPath(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
