import { isNotFound, NoKindMatchError } from "./kube-errors.ts";
import type { KubeHttp } from "./kube-http.ts";

/** Where a kind lives: its plural resource name and whether it is namespaced. */
export interface ApiResource {
  readonly name: string;
  readonly namespaced: boolean;
}

interface ResourceList {
  readonly resources?: readonly { name: string; kind: string; namespaced: boolean }[];
}

/**
 * Maps apiVersion + kind to resources by asking the server once per apiVersion. Answers are
 * cached, misses too, until `forget()`: after CRDs are applied the apply engine forgets, so kinds
 * the CRDs define are looked up afresh.
 */
export class Discovery {
  readonly #http: KubeHttp;
  readonly #cache = new Map<string, Promise<ReadonlyMap<string, ApiResource>>>();

  constructor(http: KubeHttp) {
    this.#http = http;
  }

  async resource(apiVersion: string, kind: string, signal: AbortSignal): Promise<ApiResource> {
    let kinds = this.#cache.get(apiVersion);
    if (!kinds) {
      kinds = this.#load(apiVersion, signal);
      this.#cache.set(apiVersion, kinds);
      // A failed lookup (network, abort) must not stay cached.
      kinds.catch(() => this.#cache.delete(apiVersion));
    }
    const found = (await kinds).get(kind);
    if (!found) throw new NoKindMatchError(apiVersion, kind);
    return found;
  }

  forget(): void {
    this.#cache.clear();
  }

  async #load(apiVersion: string, signal: AbortSignal): Promise<ReadonlyMap<string, ApiResource>> {
    const path = apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    try {
      const list = await this.#http.send<ResourceList>({ method: "GET", path, signal });
      const kinds = new Map<string, ApiResource>();
      for (const r of list?.resources ?? []) {
        // Subresources (deployments/status, pods/log) share the kind of their parent.
        if (!r.name.includes("/")) kinds.set(r.kind, { name: r.name, namespaced: r.namespaced });
      }
      return kinds;
    } catch (error) {
      if (isNotFound(error)) return new Map();
      throw error;
    }
  }
}
