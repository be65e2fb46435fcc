import { parseAllDocuments, type YAMLError } from "yaml";
import { ReconcileError } from "../reconcile/reconciler.ts";
import { apiGroup, type KubeObject, objectSubject } from "./kube-object.ts";

/** Billion-laughs documents expand aliases exponentially; real manifests use a handful. */
export const MAX_ALIASES = 100;

/**
 * A YAML parser error as `line N: reason`, without the source excerpt the parser appends: that
 * excerpt could be a Secret's data.
 */
export function yamlProblem(error: YAMLError | Error): string {
  const first = error.message.split("\n")[0] ?? error.message;
  const reason = first.replace(/ at line \d+, column \d+:?$/, "");
  const line = "linePos" in error ? error.linePos?.[0].line : undefined;
  return line ? `line ${line}: ${reason}` : reason;
}

function isAliasBomb(error: unknown): boolean {
  return error instanceof ReferenceError && /alias count/i.test(error.message);
}

/**
 * Every document of a YAML text as plain values (null for empty documents). Syntax errors and
 * alias bombs are ReconcileErrors naming `source`.
 */
export function parseYamlDocuments(text: string, source: string): unknown[] {
  const docs = parseAllDocuments(text, { uniqueKeys: false });
  const list = Array.isArray(docs) ? docs : [docs];
  return list.map((doc) => {
    const problem = doc.errors[0];
    if (problem)
      throw new ReconcileError("BuildFailed", `invalid YAML in ${source}, ${yamlProblem(problem)}`);
    try {
      return doc.toJS({ maxAliasCount: MAX_ALIASES });
    } catch (error) {
      if (isAliasBomb(error))
        throw new ReconcileError(
          "BuildFailed",
          `refused ${source}: its YAML aliases expand beyond ${MAX_ALIASES} nodes (an alias bomb); expand the aliases in the file`,
        );
      throw error;
    }
  });
}

function describe(value: Record<string, unknown>): string {
  const kind = typeof value.kind === "string" ? value.kind : undefined;
  const meta = value.metadata as Record<string, unknown> | undefined;
  const name = typeof meta?.name === "string" ? meta.name : undefined;
  if (kind && name) return `${kind}/${name}`;
  if (name) return `object '${name}'`;
  if (kind) return `a ${kind} object`;
  return "an object";
}

/** The value as a KubeObject, or a ReconcileError saying which field is missing where. */
export function checkObjectShape(value: unknown, where: string): KubeObject {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new ReconcileError(
      "BuildFailed",
      `${where}: expected a Kubernetes object, got ${JSON.stringify(value)}`,
    );
  const object = value as Record<string, unknown>;
  const meta = object.metadata;
  const missing = [
    typeof object.apiVersion === "string" && object.apiVersion ? undefined : "apiVersion",
    typeof object.kind === "string" && object.kind ? undefined : "kind",
    typeof meta === "object" && meta !== null && typeof (meta as Record<string, unknown>).name === "string"
      ? (meta as Record<string, unknown>).name
        ? undefined
        : "metadata.name"
      : "metadata.name",
  ].filter((field) => field !== undefined);
  if (missing.length > 0)
    throw new ReconcileError(
      "BuildFailed",
      `${where}: ${describe(object)} has no ${missing.join(", ")}; every manifest needs apiVersion, kind and metadata.name`,
    );
  return object as unknown as KubeObject;
}

/** Objects are the same object to the API server when group, kind, namespace and name match. */
export function objectIdentity(object: KubeObject): string {
  return `${apiGroup(object.apiVersion)}/${object.kind}/${object.metadata.namespace ?? ""}/${object.metadata.name}`;
}

/** Kustomize's output as objects: every object well-formed, none twice. */
export function parseManifests(text: string, source: string): KubeObject[] {
  const seen = new Set<string>();
  const objects: KubeObject[] = [];
  for (const [i, value] of parseYamlDocuments(text, source).entries()) {
    if (value === null || value === undefined) continue;
    const object = checkObjectShape(value, `${source}, document ${i + 1}`);
    const identity = objectIdentity(object);
    if (seen.has(identity))
      throw new ReconcileError(
        "BuildFailed",
        `${source} contains ${objectSubject(object)} more than once; remove the duplicate manifest`,
      );
    seen.add(identity);
    objects.push(object);
  }
  return objects;
}
