import { type Agent as HttpAgent, request as httpRequest } from "node:http";
import { request as httpsRequest, type RequestOptions } from "node:https";
import type { KubeConfig } from "@kubernetes/client-node";
import { type AgentPool, newAgent } from "./agent-pool.ts";
import { describeNetworkError, KubeApiError, type KubeStatus } from "./kube-errors.ts";

export interface KubeRequest {
  readonly method: "GET" | "POST" | "PATCH" | "DELETE";
  /** Path under the server URL, e.g. `/api/v1/namespaces/default/configmaps/web`. */
  readonly path: string;
  readonly query?: Readonly<Record<string, string>>;
  readonly body?: unknown;
  readonly contentType?: string;
  readonly signal: AbortSignal;
}

export interface KubeHttpOptions {
  /** `Impersonate-User` for every request: Flux's spec.serviceAccountName. */
  readonly impersonate?: string;
  /** Parallel connections to the API server. */
  readonly maxSockets: number;
  /** Connections shared across clients of this process; without one, this client keeps its own. */
  readonly agents?: AgentPool;
}

/**
 * JSON over HTTPS to one API server with the KubeConfig's credentials. We do not use
 * KubernetesObjectApi because it re-serializes objects through typed models (dropping unknown
 * fields, turning timestamps into Dates) and cannot be aborted; here bodies go out and come back
 * exactly as the server sees them, over kept-alive connections.
 */
export class KubeHttp {
  readonly #kc: KubeConfig;
  readonly #options: KubeHttpOptions;
  readonly #server: URL;
  #agent: HttpAgent | undefined;

  constructor(kc: KubeConfig, options: KubeHttpOptions) {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error("the kubeconfig has no current cluster");
    this.#kc = kc;
    this.#options = options;
    this.#server = new URL(cluster.server);
  }

  get server(): string {
    return this.#server.origin;
  }

  /** Sends one request; a non-2xx answer throws KubeApiError carrying the server's Status. */
  async send<T = unknown>(req: KubeRequest): Promise<T> {
    req.signal.throwIfAborted();
    const opts: RequestOptions = {};
    // Per request, so expiring credentials (exec plugins, EKS tokens) are refreshed by the KubeConfig.
    await this.#kc.applyToHTTPSOptions(opts);
    const cluster = this.#kc.getCurrentCluster();
    if (!cluster?.proxyUrl) opts.agent = this.#agentFrom(opts);
    const base = this.#server.pathname.replace(/\/$/, "");
    const query = req.query ? `?${new URLSearchParams(req.query).toString()}` : "";
    const payload = req.body === undefined ? undefined : Buffer.from(JSON.stringify(req.body));
    const headers: Record<string, string | number> = {
      ...(opts.headers as Record<string, string> | undefined),
      accept: "application/json",
      ...(payload
        ? { "content-type": req.contentType ?? "application/json", "content-length": payload.length }
        : {}),
      ...(this.#options.impersonate ? { "impersonate-user": this.#options.impersonate } : {}),
    };
    const send = this.#server.protocol === "http:" ? httpRequest : httpsRequest;
    const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const r = send(
        {
          ...opts,
          protocol: this.#server.protocol,
          hostname: this.#server.hostname,
          port: this.#server.port,
          method: req.method,
          path: `${base}${req.path}${query}`,
          headers,
          signal: req.signal,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.once("end", () =>
            resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }),
          );
          res.once("error", reject);
        },
      );
      r.once("error", reject);
      r.end(payload);
    }).catch((error: unknown) => {
      if (req.signal.aborted) throw req.signal.reason ?? error;
      throw new KubeApiError(
        0,
        "Unreachable",
        `cannot reach the API server ${this.server}: ${describeNetworkError(error)}`,
        undefined,
        { cause: error },
      );
    });
    const body = parseJson(text);
    if (status >= 200 && status < 300) return body as T;
    const s = (body ?? {}) as KubeStatus;
    throw new KubeApiError(
      status,
      s.reason ?? "",
      s.message || text.slice(0, 500) || `HTTP ${status}`,
      s.details,
    );
  }

  #agentFrom(opts: RequestOptions): HttpAgent {
    if (this.#options.agents)
      return this.#options.agents.agentFor(this.#server, opts, this.#options.maxSockets);
    this.#agent ??= newAgent(this.#server, opts, this.#options.maxSockets);
    return this.#agent;
  }

  /** Closes this client's own kept-alive connections; pooled ones stay for the next run. */
  close(): void {
    this.#agent?.destroy();
    this.#agent = undefined;
  }
}

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
