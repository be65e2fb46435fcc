import { stringify } from "yaml";
import type { ObjectView } from "../api-client.ts";

/** Annotations sluice keeps for itself: never part of what a user commits. */
const INTERNAL_ANNOTATION = /^sluice\.dev\//;

export interface Manifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: Record<string, unknown>;
  readonly spec: Readonly<Record<string, unknown>>;
  readonly status?: Readonly<Record<string, unknown>>;
}

/**
 * An object in the Kubernetes shape Flux users read and commit. With `status`, it is what
 * `get -o yaml` shows; without, what `export` writes (no generation, no sluice annotations).
 */
export function toManifest(view: ObjectView, options: { readonly status: boolean }): Manifest {
  const labels = view.metadata?.labels;
  const annotations = Object.entries(view.metadata?.annotations ?? {}).filter(
    ([name]) => options.status || !INTERNAL_ANNOTATION.test(name),
  );
  return {
    apiVersion: view.apiVersion,
    kind: view.kind,
    metadata: {
      name: view.name,
      namespace: view.namespace,
      ...(options.status ? { generation: view.generation } : {}),
      ...(labels && Object.keys(labels).length > 0 ? { labels } : {}),
      ...(annotations.length > 0 ? { annotations: Object.fromEntries(annotations) } : {}),
    },
    spec: view.spec ?? {},
    ...(options.status ? { status: view.status } : {}),
  };
}

/** Documents joined as Flux's `--export` prints them: each one starting with `---`. */
export function yamlDocuments(docs: readonly unknown[]): string {
  return docs.map((doc) => `---\n${stringify(doc, { lineWidth: 0 })}`).join("");
}

export type OutputFormat = "table" | "json" | "yaml";

/** A list as `kubectl get -o json` prints one. */
export function listOf(items: readonly unknown[]): { apiVersion: "v1"; kind: "List"; items: unknown[] } {
  return { apiVersion: "v1", kind: "List", items: [...items] };
}

export function printStructured(format: "json" | "yaml", value: unknown): string {
  return format === "json" ? `${JSON.stringify(value, null, 2)}\n` : stringify(value, { lineWidth: 0 });
}
