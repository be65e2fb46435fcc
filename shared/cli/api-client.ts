import type { ReconcileEvent } from "../ports/events.ts";
import type { ObjectKey } from "../ports/object-key.ts";
import { CliError, type CliErrorReason } from "./errors.ts";
import type { RequestSigner } from "./sigv4.ts";

/** One object as the API shows it (`objectView` in shared/control/http-api.ts). */
export interface ObjectView {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly apiVersion: string;
  readonly generation: number;
  readonly suspended: boolean;
  readonly nextRunAt: string | null;
  readonly metadata?: {
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
  };
  readonly spec?: Readonly<Record<string, unknown>>;
  readonly status: Readonly<Record<string, unknown>>;
}

/** One event as `GET /v1/events` returns it: the engine's event, as JSON. */
export type EventView = ReconcileEvent;

export interface EventQuery {
  readonly object?: ObjectKey;
  readonly since?: number;
  readonly limit?: number;
}

export interface ApiClientOptions {
  readonly baseUrl: string;
  /** Which context this is, for messages. */
  readonly contextName: string;
  readonly signer?: RequestSigner;
  readonly fetch?: typeof fetch;
}

function describeKey(key: ObjectKey): string {
  return `${key.kind} ${key.namespace}/${key.name}`;
}

function objectPath(key: ObjectKey, action?: string): string {
  const parts = [key.kind, key.namespace, key.name].map(encodeURIComponent).join("/");
  return `/v1/objects/${parts}${action ? `/${action}` : ""}`;
}

/** Node's fetch hides the socket error in `cause`; say it in words. */
function networkProblem(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  switch (cause?.code) {
    case "ECONNREFUSED":
      return "connection refused";
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return "the host name does not resolve";
    case "ECONNRESET":
      return "the connection was reset";
    case "ETIMEDOUT":
    case "UND_ERR_CONNECT_TIMEOUT":
      return "the connection timed out";
    default:
      return cause?.message ?? (error as Error).message ?? String(error);
  }
}

interface ErrorBody {
  readonly error?: { readonly reason?: string; readonly message?: string };
  /** Lambda's own answer for refused function URL calls. */
  readonly Message?: string;
  readonly message?: string;
}

/**
 * The sluice HTTP API over fetch: the local runtime's port or a deployed stack's function URL
 * (signed). Every failure becomes a CliError whose message says what is wrong and what to do.
 */
export class ApiClient {
  readonly baseUrl: string;
  readonly #options: ApiClientOptions;

  constructor(options: ApiClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.#options = options;
  }

  async list(filter: { kind?: string; namespace?: string } = {}): Promise<ObjectView[]> {
    const query = {
      ...(filter.kind ? { kind: filter.kind } : {}),
      ...(filter.namespace ? { namespace: filter.namespace } : {}),
    };
    const body = await this.#call<{ items: ObjectView[] }>("GET", "/v1/objects", { query });
    return body.items;
  }

  /** The object; a NotFound CliError naming it when there is none. */
  async get(key: ObjectKey): Promise<ObjectView> {
    return this.#call<ObjectView>("GET", objectPath(key), { key });
  }

  /** The object, or undefined when there is none. */
  async find(key: ObjectKey): Promise<ObjectView | undefined> {
    try {
      return await this.get(key);
    } catch (error) {
      if (error instanceof CliError && error.reason === "NotFound") return undefined;
      throw error;
    }
  }

  async put(key: ObjectKey, manifest: string): Promise<ObjectView> {
    return this.#call<ObjectView>("PUT", objectPath(key), { key, body: manifest });
  }

  async remove(key: ObjectKey): Promise<{ deletionRequestedAt: string }> {
    return this.#call("DELETE", objectPath(key), { key });
  }

  async reconcile(key: ObjectKey): Promise<{ requestedAt: string }> {
    return this.#call("POST", objectPath(key, "reconcile"), { key });
  }

  async suspend(key: ObjectKey): Promise<void> {
    await this.#call("POST", objectPath(key, "suspend"), { key });
  }

  /** `requestedAt` names the run resuming asked for (absent from servers before it did). */
  async resume(key: ObjectKey): Promise<{ requestedAt?: string }> {
    return this.#call("POST", objectPath(key, "resume"), { key });
  }

  async events(query: EventQuery = {}): Promise<EventView[]> {
    const params = {
      ...(query.object
        ? { object: `${query.object.kind}/${query.object.namespace}/${query.object.name}` }
        : {}),
      ...(query.since !== undefined ? { since: new Date(query.since).toISOString() } : {}),
      ...(query.limit !== undefined ? { limit: String(query.limit) } : {}),
    };
    const body = await this.#call<{ items: EventView[] }>("GET", "/v1/events", { query: params });
    return body.items;
  }

  async health(): Promise<void> {
    await this.#call("GET", "/healthz", {});
  }

  async #call<T>(
    method: string,
    path: string,
    options: { query?: Record<string, string>; body?: string; key?: ObjectKey },
  ): Promise<T> {
    const url = new URL(`${this.baseUrl}${path}`);
    for (const [k, v] of Object.entries(options.query ?? {})) url.searchParams.set(k, v);
    const headers: Record<string, string> = { accept: "application/json" };
    if (options.body !== undefined) headers["content-type"] = "application/yaml";
    const signed = this.#options.signer
      ? await this.#options.signer({
          method,
          url,
          headers,
          ...(options.body !== undefined ? { body: options.body } : {}),
        })
      : headers;
    // fetch sets Host itself, from the same URL the signature covers.
    const { host: _host, ...sent } = signed;
    let response: Response;
    try {
      response = await (this.#options.fetch ?? fetch)(url, {
        method,
        headers: sent,
        ...(options.body !== undefined ? { body: options.body } : {}),
      });
    } catch (error) {
      throw new CliError(
        "Unreachable",
        `cannot reach the sluice API at ${this.baseUrl} (${this.#from()}): ${networkProblem(error)}`,
        {
          hint:
            this.#options.contextName === "local"
              ? "start it with `sluice start`, or point at another one with --api-url or --context"
              : "check the context's url (the stack's ApiUrl output) and your network",
          cause: error,
        },
      );
    }
    const text = await response.text();
    let body: unknown;
    try {
      body = text === "" ? {} : JSON.parse(text);
    } catch {
      body = { message: text.slice(0, 200) };
    }
    if (response.ok) return body as T;
    throw this.#failure(response.status, body as ErrorBody, options.key);
  }

  #from(): string {
    const name = this.#options.contextName;
    return name.startsWith("--") ? `from ${name}` : `context ${name}`;
  }

  #failure(status: number, body: ErrorBody, key: ObjectKey | undefined): CliError {
    const message = body.error?.message ?? body.Message ?? body.message ?? `HTTP ${status}`;
    const apiReason = body.error?.reason;
    const fail = (reason: CliErrorReason, text: string, hint?: string) =>
      new CliError(reason, text, hint ? { hint } : {});
    if (status === 404 && key && apiReason === "NotFound")
      return fail(
        "NotFound",
        `${describeKey(key)} not found`,
        `list what there is with \`sluice get all -A\`, or check the name and -n/--namespace`,
      );
    if (status === 404)
      return fail(
        "Unsupported",
        `the API at ${this.baseUrl} does not know this request (${message})`,
        "is the url a sluice API (the stack's ApiUrl output, or the local runtime)?",
      );
    if (status === 401 || status === 403)
      return fail(
        "Credentials",
        `the API refused the request (${status} ${message})`,
        this.#options.signer
          ? "your AWS credentials may have expired or lack lambda:InvokeFunctionUrl on the api function; refresh them"
          : "this API needs signed requests: give the context an `aws: {region}` entry",
      );
    if (status === 400) return fail("Invalid", message);
    if (status === 409) return fail("Conflict", message);
    if (status === 501) return fail("Unsupported", message);
    return fail(
      "ApiFailed",
      `the API failed (${status}): ${message}`,
      "try again; if it persists, see sluice's log",
    );
  }
}
