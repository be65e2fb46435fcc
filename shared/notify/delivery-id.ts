import type { ReceiverType } from "./receiver-spec.ts";

/**
 * The header that names one delivery, kept when the sender redelivers it: a redelivery then
 * carries the same id and the queue drops it. Senders without one get no de-duplication, since
 * two identical bodies can be two real pushes (the same commit pushed to a branch twice).
 */
const DELIVERY_HEADERS: Partial<Record<ReceiverType, string>> = {
  github: "x-github-delivery",
  gitlab: "x-gitlab-event-uuid",
  bitbucket: "x-request-uuid",
};

/** Printable ASCII of a sane length: what the queues accept in a de-duplication id. */
const USABLE = /^[\x21-\x7e]{1,128}$/;

/** The request's delivery id, or undefined when its sender sends none (or something unusable). */
export function deliveryIdOf(
  type: ReceiverType,
  headers: Readonly<Record<string, string | undefined>>,
): string | undefined {
  const header = DELIVERY_HEADERS[type];
  const value = header ? headers[header]?.trim() : undefined;
  return value && USABLE.test(value) ? value : undefined;
}
