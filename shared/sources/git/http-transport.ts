import type { GitHttpRequest, GitHttpResponse, HttpClient } from "isomorphic-git";
import { ReconcileError } from "../../reconcile/reconciler.ts";
import { formatBytes } from "../artifact/tarball.ts";
import { redactUrl } from "../redact.ts";
import type { TransferMeter } from "../transfer-meter.ts";

/** How to authenticate to a Git server over HTTP(S), from the object's `spec.secretRef`. */
export type HttpCredentials =
  | { readonly kind: "basic"; readonly username: string; readonly password: string }
  | { readonly kind: "bearer"; readonly token: string };

export interface HttpTransportOptions {
  readonly credentials?: HttpCredentials | undefined;
  /** Aborts every request in flight and every later one. */
  readonly signal?: AbortSignal | undefined;
  readonly meter?: TransferMeter | undefined;
  /** Bytes the server may send in all, over every request made through this transport. */
  readonly maxBytes: number;
}

export function authorizationHeader(credentials: HttpCredentials): string {
  return credentials.kind === "bearer"
    ? `Bearer ${credentials.token}`
    : `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString("base64")}`;
}

async function collect(body: GitHttpRequest["body"]): Promise<Buffer | undefined> {
  if (!body) return undefined;
  const chunks: Uint8Array[] = [];
  for await (const chunk of body as AsyncIterable<Uint8Array>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/**
 * isomorphic-git's HttpClient on the platform's fetch. It sends the credentials with every
 * request (so a private repository costs no 401 round trip), honours the run's abort signal,
 * counts requests and bytes on the meter, and stops reading once the server has sent more than
 * `maxBytes`: the error it then throws is kept in `limitError`, since isomorphic-git may wrap
 * or replace what its transport throws.
 */
export class GitHttpTransport implements HttpClient {
  readonly #options: HttpTransportOptions;
  /** Bytes received through this transport, whatever the meter. */
  bytesIn = 0;
  requests = 0;
  limitError: ReconcileError | undefined;

  constructor(options: HttpTransportOptions) {
    this.#options = options;
  }

  readonly request = async (request: GitHttpRequest): Promise<GitHttpResponse> => {
    const { signal, meter, credentials, maxBytes } = this.#options;
    signal?.throwIfAborted();
    const headers: Record<string, string> = { ...request.headers };
    if (credentials) headers.Authorization = authorizationHeader(credentials);
    const method = request.method ?? "GET";
    const body = await collect(request.body);
    // One controller per request, so reaching the limit can cancel the body being read.
    const local = new AbortController();
    const combined = signal ? AbortSignal.any([signal, local.signal]) : local.signal;
    this.requests++;
    meter?.request();
    let response: Response;
    try {
      response = await fetch(request.url, {
        method,
        headers,
        redirect: "follow",
        signal: combined,
        ...(body ? { body } : {}),
      });
    } catch (error) {
      if (signal?.aborted) throw signal.reason ?? error;
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new ReconcileError(
        "GitOperationFailed",
        `cannot reach ${new URL(redactUrl(request.url)).origin}: ${cause?.code ?? cause?.message ?? (error as Error).message}`,
        { cause: error },
      );
    }
    const transport = this;
    async function* counted(): AsyncGenerator<Uint8Array> {
      if (!response.body) return;
      for await (const chunk of response.body) {
        transport.bytesIn += chunk.byteLength;
        meter?.received(chunk.byteLength);
        if (transport.bytesIn > maxBytes) {
          transport.limitError ??= new ReconcileError(
            "SizeLimitExceeded",
            `the repository sent more than the ${formatBytes(maxBytes)} limit`,
          );
          local.abort(transport.limitError);
          throw transport.limitError;
        }
        yield chunk;
      }
    }
    return {
      url: response.url || request.url,
      method,
      statusCode: response.status,
      statusMessage: response.statusText,
      headers: Object.fromEntries(response.headers),
      body: counted(),
    };
  };
}
