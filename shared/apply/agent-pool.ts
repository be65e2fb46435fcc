import { createHash } from "node:crypto";
import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent, type RequestOptions } from "node:https";

export interface AgentPoolOptions {
  /** Distinct API servers (and credentials) kept; the least recently used is closed first. @default 32 */
  readonly maxAgents?: number;
}

function fingerprint(server: URL, tls: RequestOptions, maxSockets: number): string {
  const hash = createHash("sha256");
  for (const part of [
    server.origin,
    tls.ca,
    tls.cert,
    tls.key,
    tls.servername,
    tls.rejectUnauthorized,
    maxSockets,
  ])
    hash.update(`${part === undefined ? "" : String(part)}\0`);
  return hash.digest("hex");
}

/**
 * Kept-alive connections to API servers, shared by every run of one process: a Kustomization
 * synced every few minutes, or a thousand of them after one push, reuse the TLS connections
 * instead of paying a handshake (and a fresh TLS context) per run. Keyed by server and client
 * certificate, so two identities never share a connection; tokens travel per request.
 */
export class AgentPool {
  readonly #max: number;
  readonly #agents = new Map<string, HttpAgent>();

  constructor(options: AgentPoolOptions = {}) {
    this.#max = options.maxAgents ?? 32;
  }

  agentFor(server: URL, tls: RequestOptions, maxSockets: number): HttpAgent {
    const key = fingerprint(server, tls, maxSockets);
    const found = this.#agents.get(key);
    if (found) {
      this.#agents.delete(key);
      this.#agents.set(key, found);
      return found;
    }
    const agent = newAgent(server, tls, maxSockets);
    this.#agents.set(key, agent);
    for (const [oldest, old] of this.#agents) {
      if (this.#agents.size <= this.#max) break;
      this.#agents.delete(oldest);
      old.destroy();
    }
    return agent;
  }

  /** Closes every connection (a process that is stopping). */
  close(): void {
    for (const agent of this.#agents.values()) agent.destroy();
    this.#agents.clear();
  }
}

/** A kept-alive agent with the TLS settings the kubeconfig gave. */
export function newAgent(server: URL, tls: RequestOptions, maxSockets: number): HttpAgent {
  const common = { keepAlive: true, maxSockets };
  return server.protocol === "http:"
    ? new HttpAgent(common)
    : new HttpsAgent({
        ...common,
        ...(tls.ca ? { ca: tls.ca } : {}),
        ...(tls.cert ? { cert: tls.cert } : {}),
        ...(tls.key ? { key: tls.key } : {}),
        ...(tls.servername ? { servername: tls.servername } : {}),
        ...(tls.rejectUnauthorized !== undefined ? { rejectUnauthorized: tls.rejectUnauthorized } : {}),
      });
}
