import { createHash } from "node:crypto";
import { RegistryClient, type RegistryClientOptions } from "./registry-client.ts";

/**
 * Registry clients kept between runs, one per registry and set of credentials, so the Bearer
 * tokens and Basic preference a client learned make the next poll a single request. Changed
 * credentials make a new client; the least recently used ones are dropped past `max`.
 */
export class RegistryClientCache {
  readonly #clients = new Map<string, RegistryClient>();
  readonly #max: number;

  constructor(max = 64) {
    this.#max = max;
  }

  get(options: RegistryClientOptions): RegistryClient {
    const { credentials } = options;
    const identity = credentials
      ? createHash("sha256").update(`${credentials.username}\0${credentials.password}`).digest("hex")
      : "";
    const key = JSON.stringify([
      options.host,
      options.plainHttp ?? false,
      identity,
      options.maxBytes,
      options.credentialsHint,
    ]);
    const cached = this.#clients.get(key);
    if (cached) {
      this.#clients.delete(key);
      this.#clients.set(key, cached);
      return cached;
    }
    const client = new RegistryClient(options);
    this.#clients.set(key, client);
    for (const oldest of this.#clients.keys()) {
      if (this.#clients.size <= this.#max) break;
      this.#clients.delete(oldest);
    }
    return client;
  }
}
