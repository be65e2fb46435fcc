/**
 * The payload checks Flux makes for the senders that sign nothing (Docker Hub, Quay, CDEvents):
 * their path is the secret, and the body must at least look like what that sender posts. Each
 * check returns what is wrong, in words that never quote the body (a JSON parser's message
 * does, so it is not passed on), or undefined when the payload fits.
 */

type Json = Readonly<Record<string, unknown>>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Go's decoder, which Flux uses, leaves a field alone when it is null or absent. */
function absent(value: unknown): boolean {
  return value === undefined || value === null;
}

function stringField(parent: Json, name: string, where: string): string | undefined {
  const value = parent[name];
  return absent(value) || typeof value === "string" ? undefined : `${where}.${name} must be a string`;
}

function objectField(parent: Json, name: string, where: string, inner: (object: Json) => string | undefined) {
  const value = parent[name];
  if (absent(value)) return undefined;
  if (!isObject(value)) return `${where}.${name} must be an object`;
  return inner(value);
}

function dockerHub(payload: Json): string | undefined {
  return (
    objectField(payload, "push_data", "payload", (push) => stringField(push, "tag", "payload.push_data")) ??
    objectField(payload, "repository", "payload", (repo) =>
      stringField(repo, "repo_url", "payload.repository"),
    )
  );
}

function quay(payload: Json): string | undefined {
  const tags = payload.updated_tags;
  if (!absent(tags) && (!Array.isArray(tags) || tags.some((tag) => typeof tag !== "string")))
    return "payload.updated_tags must be a list of strings";
  return stringField(payload, "docker_url", "payload");
}

function requiredText(parent: Json, name: string, where: string): string | undefined {
  const value = parent[name];
  return typeof value === "string" && value !== "" ? undefined : `${where}.${name} is required`;
}

/** The CDEvents envelope: a context that says what happened and a subject it happened to. */
function cdEvent(payload: Json): string | undefined {
  const context = payload.context;
  if (!isObject(context)) return "payload.context is required";
  const missing =
    requiredText(context, "id", "payload.context") ??
    requiredText(context, "source", "payload.context") ??
    requiredText(context, "type", "payload.context") ??
    requiredText(context, "timestamp", "payload.context");
  if (missing) return missing;
  if (!String(context.type).startsWith("dev.cdevents."))
    return "payload.context.type is not a CDEvents type (dev.cdevents.…)";
  return isObject(payload.subject) ? undefined : "payload.subject is required";
}

const CHECKS = { dockerhub: dockerHub, quay, cdevents: cdEvent } as const;

export type JsonPayloadType = keyof typeof CHECKS;

export function needsJsonPayload(type: string): type is JsonPayloadType {
  return Object.hasOwn(CHECKS, type);
}

/** Parses the body as JSON and checks it has the sender's shape. */
export function checkPayload(type: JsonPayloadType, body: Buffer): string | undefined {
  let payload: unknown;
  try {
    payload = JSON.parse(body.toString("utf8"));
  } catch {
    return "the body is not valid JSON";
  }
  if (!isObject(payload)) return "the body must be a JSON object";
  return CHECKS[type](payload);
}
