import { type EventLog, isPortError, type ObjectKey, parseKey, type StoredObject } from "../ports/index.ts";
import {
  type CommandDeps,
  CommandError,
  putDesiredState,
  requestDeletion,
  requestReconcile,
  setSuspended,
} from "./commands.ts";
import { ManifestError, parseManifest } from "./manifest.ts";

/** A transport-neutral request: the Lambda adapts its event, the local runtime node:http. */
export interface ApiRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string | undefined>>;
  /** The request body as text (PUT's manifest); absent for bodiless requests. */
  readonly body?: string;
}

export interface ApiResponse {
  readonly status: number;
  readonly body: unknown;
}

/** What the CLI sees of an object: its desired state (labels, annotations, spec) and the status as written. */
export function objectView(object: StoredObject) {
  return {
    kind: object.key.kind,
    namespace: object.key.namespace,
    name: object.key.name,
    apiVersion: object.apiVersion,
    generation: object.generation,
    suspended: object.spec.suspend === true,
    nextRunAt: object.dueAt === undefined ? null : new Date(object.dueAt).toISOString(),
    // The desired state as registered, so `sluice export` can give back what a user commits.
    metadata: object.metadata,
    spec: object.spec,
    status: object.status ?? {},
  };
}

function error(status: number, reason: string, message: string): ApiResponse {
  return { status, body: { error: { reason, message } } };
}

const OBJECT = /^\/v1\/objects\/([^/]+)\/([^/]+)\/([^/]+)(?:\/(reconcile|suspend|resume))?$/;

/**
 * The API the CLI talks to: register (PUT a manifest), list, read and delete objects, request a
 * reconcile, suspend and resume. Failures come back as `{ error: { reason, message } }` with a
 * fitting status code.
 */
export interface ApiDeps extends CommandDeps {
  /** Where `GET /v1/events` reads from; without one the route answers 501. */
  readonly eventLog?: EventLog;
}

/**
 * The most events one response carries: the newest ones, when a request asks for more or sets no
 * limit. It keeps a response well inside a function URL's 6 MB and a read of the log bounded.
 */
export const MAX_EVENTS_PER_RESPONSE = 1000;

async function listEvents(eventLog: EventLog | undefined, query: ApiRequest["query"]): Promise<ApiResponse> {
  if (!eventLog)
    return error(501, "NotImplemented", "this installation keeps no event log; see the event bus");
  const key = query.object ? parseKey(query.object) : undefined;
  if (query.object && !key) return error(400, "BadRequest", "object must be Kind/namespace/name");
  const since = query.since ? Date.parse(query.since) : undefined;
  const asked = query.limit ? Number(query.limit) : undefined;
  const limit =
    asked !== undefined && Number.isInteger(asked) && asked > 0
      ? Math.min(asked, MAX_EVENTS_PER_RESPONSE)
      : MAX_EVENTS_PER_RESPONSE;
  const events = await eventLog.list({
    ...(key ? { key } : {}),
    ...(since !== undefined && !Number.isNaN(since) ? { since } : {}),
    limit,
  });
  return { status: 200, body: { items: events } };
}

export function createApiHandler(deps: ApiDeps): (request: ApiRequest) => Promise<ApiResponse> {
  return async (request) => {
    try {
      if (request.method === "GET" && request.path === "/healthz") return { status: 200, body: { ok: true } };
      if (request.method === "GET" && request.path === "/v1/objects") {
        const filter = {
          ...(request.query.kind ? { kind: request.query.kind } : {}),
          ...(request.query.namespace ? { namespace: request.query.namespace } : {}),
        };
        const objects = await deps.state.listObjects(filter);
        return { status: 200, body: { items: objects.map(objectView) } };
      }
      if (request.method === "GET" && request.path === "/v1/events")
        return await listEvents(deps.eventLog, request.query);
      const match = OBJECT.exec(request.path);
      if (!match) return error(404, "NotFound", `no route for ${request.method} ${request.path}`);
      const [, kind, namespace, name, action] = match.map((part) =>
        part === undefined ? part : decodeURIComponent(part),
      );
      const key: ObjectKey = { kind: kind as string, namespace: namespace as string, name: name as string };
      if (request.method === "GET" && !action) {
        const object = await deps.state.getObject(key);
        return object
          ? { status: 200, body: objectView(object) }
          : error(404, "NotFound", `${kind}/${namespace}/${name} not found`);
      }
      if (request.method === "PUT" && !action) {
        const { object } = await putDesiredState(deps, parseManifest(request.body ?? "", key));
        return { status: 200, body: objectView(object) };
      }
      if (request.method === "DELETE" && !action)
        return { status: 202, body: { deletionRequestedAt: (await requestDeletion(deps, key)).requestedAt } };
      if (request.method === "POST" && action === "reconcile")
        return { status: 202, body: await requestReconcile(deps, key) };
      if (request.method === "POST" && (action === "suspend" || action === "resume")) {
        const run = await setSuspended(deps, key, action === "suspend");
        return { status: 200, body: { suspended: action === "suspend", ...run } };
      }
      return error(405, "MethodNotAllowed", `${request.method} is not allowed on ${request.path}`);
    } catch (caught) {
      if (isPortError(caught, "NotFound")) return error(404, "NotFound", caught.message);
      if (caught instanceof CommandError) return error(409, caught.reason, caught.message);
      if (caught instanceof ManifestError) return error(400, caught.reason, caught.message);
      throw caught;
    }
  };
}
