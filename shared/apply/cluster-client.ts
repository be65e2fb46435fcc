import type { KubeConfig } from "@kubernetes/client-node";
import type { KubeObject } from "../render/kube-object.ts";
import type { AgentPool } from "./agent-pool.ts";
import { Discovery } from "./discovery.ts";
import { isNotFound, KubeApiError } from "./kube-errors.ts";
import { KubeHttp } from "./kube-http.ts";
import { type ObjectRef, refOf, refSubject } from "./object-ref.ts";

/** Calls made by one client, so callers can prove a no-change reconcile writes nothing. */
export interface WriteCounts {
  dryRuns: number;
  writes: number;
  deletes: number;
}

export interface ClusterClientOptions {
  /** Server-side apply field manager; default "sluice". */
  readonly fieldManager?: string;
  /** "system:serviceaccount:<ns>:<name>" for spec.serviceAccountName. */
  readonly impersonate?: string;
  /** Requests in flight at once; default 8. */
  readonly concurrency?: number;
  /** Connections shared with other clients of this process (see AgentPool). */
  readonly agents?: AgentPool;
}

export interface CallOptions {
  readonly signal: AbortSignal;
}

/** One JSON Patch operation (RFC 6902). */
export interface JsonPatchOp {
  readonly op: "add" | "remove" | "replace" | "test";
  readonly path: string;
  readonly value?: unknown;
}

const APPLY_PATCH = "application/apply-patch+yaml";

/**
 * The apply engine's view of one cluster: get, server-side apply (dry-run or real), JSON patch,
 * delete, each addressed by apiVersion/kind/namespace/name, with every failure a KubeApiError
 * (or NoKindMatchError for a kind the server does not serve).
 */
export class ClusterClient {
  readonly counts: WriteCounts & { reads: number } = { dryRuns: 0, writes: 0, deletes: 0, reads: 0 };
  readonly fieldManager: string;
  readonly concurrency: number;
  readonly #http: KubeHttp;
  readonly #discovery: Discovery;

  constructor(kc: KubeConfig, options: ClusterClientOptions = {}) {
    this.fieldManager = options.fieldManager ?? "sluice";
    this.concurrency = options.concurrency ?? 8;
    this.#http = new KubeHttp(kc, {
      maxSockets: this.concurrency,
      ...(options.impersonate ? { impersonate: options.impersonate } : {}),
      ...(options.agents ? { agents: options.agents } : {}),
    });
    this.#discovery = new Discovery(this.#http);
  }

  /** The live object, or undefined when it does not exist. */
  async get(ref: ObjectRef, { signal }: CallOptions): Promise<KubeObject | undefined> {
    const path = await this.#path(ref, signal);
    this.counts.reads++;
    try {
      return await this.#http.send<KubeObject>({ method: "GET", path, signal });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** What the object would look like after a forced server-side apply; nothing is persisted. */
  async dryRunApply(object: KubeObject, { signal }: CallOptions): Promise<KubeObject> {
    const path = await this.#path(refOf(object), signal);
    this.counts.dryRuns++;
    return this.#http.send<KubeObject>({
      method: "PATCH",
      path,
      query: { dryRun: "All", fieldManager: this.fieldManager, force: "true" },
      body: object,
      contentType: APPLY_PATCH,
      signal,
    });
  }

  /**
   * Validates the object as a fresh create without persisting it. Used before deleting an object
   * to recreate it: the server validates before it checks for a name clash, so AlreadyExists means
   * the new object is valid.
   */
  async dryRunCreate(object: KubeObject, { signal }: CallOptions): Promise<void> {
    const ref = refOf(object);
    const path = await this.#path(ref, signal);
    const collection = path.slice(0, path.lastIndexOf("/"));
    this.counts.dryRuns++;
    try {
      await this.#http.send({
        method: "POST",
        path: collection,
        query: { dryRun: "All", fieldManager: this.fieldManager },
        body: object,
        signal,
      });
    } catch (error) {
      if (error instanceof KubeApiError && error.code === 409 && error.reason === "AlreadyExists") return;
      throw error;
    }
  }

  /** Forced server-side apply with our field manager: fields others changed are taken back. */
  async apply(object: KubeObject, { signal }: CallOptions): Promise<KubeObject> {
    const path = await this.#path(refOf(object), signal);
    this.counts.writes++;
    return this.#http.send<KubeObject>({
      method: "PATCH",
      path,
      query: { fieldManager: this.fieldManager, force: "true" },
      body: object,
      contentType: APPLY_PATCH,
      signal,
    });
  }

  async jsonPatch(ref: ObjectRef, ops: readonly JsonPatchOp[], { signal }: CallOptions): Promise<KubeObject> {
    const path = await this.#path(ref, signal);
    this.counts.writes++;
    return this.#http.send<KubeObject>({
      method: "PATCH",
      path,
      query: { fieldManager: this.fieldManager },
      body: ops,
      contentType: "application/json-patch+json",
      signal,
    });
  }

  /** Deletes with background propagation, as Flux does; false when the object was already gone. */
  async delete(ref: ObjectRef, { signal }: CallOptions): Promise<boolean> {
    const path = await this.#path(ref, signal);
    this.counts.deletes++;
    try {
      await this.#http.send({ method: "DELETE", path, query: { propagationPolicy: "Background" }, signal });
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  /** Whether the kind is namespaced; throws NoKindMatchError when the server does not serve it. */
  async isNamespaced(apiVersion: string, kind: string, { signal }: CallOptions): Promise<boolean> {
    return (await this.#discovery.resource(apiVersion, kind, signal)).namespaced;
  }

  /** Looks kinds up afresh: call after applying CRDs. */
  forgetDiscovery(): void {
    this.#discovery.forget();
  }

  close(): void {
    this.#http.close();
  }

  async #path(ref: ObjectRef, signal: AbortSignal): Promise<string> {
    const resource = await this.#discovery.resource(ref.apiVersion, ref.kind, signal);
    const root = ref.apiVersion.includes("/") ? `/apis/${ref.apiVersion}` : `/api/${ref.apiVersion}`;
    const name = encodeURIComponent(ref.name);
    if (!resource.namespaced) return `${root}/${resource.name}/${name}`;
    if (!ref.namespace) throw new NamespaceMissingError(refSubject(ref));
    return `${root}/namespaces/${encodeURIComponent(ref.namespace)}/${resource.name}/${name}`;
  }
}

/** A namespaced object without metadata.namespace. */
export class NamespaceMissingError extends Error {
  constructor(subject: string) {
    super(`${subject} namespace not specified: set metadata.namespace or spec.targetNamespace`);
    this.name = "NamespaceMissingError";
  }
}
