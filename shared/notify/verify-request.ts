import { checkPayload, needsJsonPayload } from "./payload-shape.ts";
import type { ReceiverSpec, ReceiverType } from "./receiver-spec.ts";
import { sameSecret, verifyHmacSignature } from "./verify-hmac.ts";

export type VerifyFailureReason =
  /** No signature or token, or one that does not match: 401. */
  | "Unauthorized"
  /** A signed sender's body in a form it never posts: 415. */
  | "UnsupportedContentType"
  /** Authentic, but an event type `spec.events` does not list: 400, as Flux answers it. */
  | "EventNotAccepted"
  /** Not the JSON this sender posts: 400. */
  | "InvalidPayload";

export type Verdict =
  | {
      readonly ok: true;
      /** The sender's event type, for senders that name one. */
      readonly event: string | undefined;
      /** A sender checking the hook works (GitHub's ping): answered, but nothing is reconciled. */
      readonly ping: boolean;
    }
  | {
      readonly ok: false;
      readonly status: 400 | 401 | 415;
      readonly reason: VerifyFailureReason;
      /** For the log: says what was wrong, never what was sent. */
      readonly message: string;
    };

export interface VerifyInput {
  readonly spec: Pick<ReceiverSpec, "type" | "events">;
  readonly token: string;
  /** Lower-cased names. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: Buffer;
}

const FORMS = new Set(["application/json", "application/x-www-form-urlencoded"]);

/** The event header of each sender that names its events, as `spec.events` filters them. */
const EVENT_HEADERS: Partial<Record<ReceiverType, string>> = {
  github: "x-github-event",
  gitlab: "x-gitlab-event",
  bitbucket: "x-event-key",
  cdevents: "ce-type",
};

/** "Is this hook reachable?" requests: GitHub's on creation, Bitbucket Server's test button. */
const PINGS: Partial<Record<ReceiverType, string>> = { github: "ping", bitbucket: "diagnostics:ping" };

function fail(status: 400 | 401 | 415, reason: VerifyFailureReason, message: string): Verdict {
  return { ok: false, status, reason, message };
}

/** GitHub and Bitbucket Server sign the raw body; a newer header wins over the SHA-1 one. */
function hubSignature(input: VerifyInput): Verdict | undefined {
  const header = input.headers["x-hub-signature-256"] ?? input.headers["x-hub-signature"];
  if (!header) return fail(401, "Unauthorized", "the X-Hub-Signature(-256) header is missing");
  if (!verifyHmacSignature(header, input.body, input.token))
    return fail(401, "Unauthorized", "the X-Hub-Signature(-256) header does not match the body");
  const mediaType = (input.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  if (!FORMS.has(mediaType))
    return fail(415, "UnsupportedContentType", `a ${input.spec.type} webhook body must be JSON or a form`);
  return undefined;
}

function authenticate(input: VerifyInput): Verdict | undefined {
  const { headers, token } = input;
  switch (input.spec.type) {
    case "github":
    case "bitbucket":
      return hubSignature(input);
    case "generic-hmac":
      if (!headers["x-signature"]) return fail(401, "Unauthorized", "the X-Signature header is missing");
      return verifyHmacSignature(headers["x-signature"], input.body, token)
        ? undefined
        : fail(401, "Unauthorized", "the X-Signature header does not match the body");
    case "gitlab":
      return sameSecret(headers["x-gitlab-token"], token)
        ? undefined
        : fail(401, "Unauthorized", "the X-Gitlab-Token header is missing or does not match the token");
    case "harbor":
      return sameSecret(headers.authorization, token)
        ? undefined
        : fail(401, "Unauthorized", "the Authorization header is missing or does not match the token");
    default:
      // generic, dockerhub, quay, cdevents: knowing the path, which hides the token, is the proof.
      return undefined;
  }
}

/**
 * Checks one request as Flux checks it for the Receiver's type: authenticity first, on the raw
 * bytes (nothing is parsed before the sender is known to hold the token), then the payload's
 * shape for the senders that need one, then `spec.events`.
 */
export function verifyWebhookRequest(input: VerifyInput): Verdict {
  const { type, events } = input.spec;
  const denied = authenticate(input);
  if (denied) return denied;
  if (needsJsonPayload(type)) {
    const problem = checkPayload(type, input.body);
    if (problem) return fail(400, "InvalidPayload", `not a ${type} webhook payload: ${problem}`);
  }
  const header = EVENT_HEADERS[type];
  const event = header ? input.headers[header] : undefined;
  if (event !== undefined && event === PINGS[type]) return { ok: true, event, ping: true };
  if (header && events.length > 0 && !events.some((e) => e.toLowerCase() === event?.toLowerCase()))
    return fail(
      400,
      "EventNotAccepted",
      event
        ? `event ${JSON.stringify(event.slice(0, 100))} is not listed in spec.events`
        : `the ${header} header is missing`,
    );
  return { ok: true, event, ping: false };
}
