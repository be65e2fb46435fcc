import { parseDocument, stringify } from "yaml";
import { SpecError } from "../api/errors.ts";
import { optionalArray, optionalBoolean, optionalObject, requiredString } from "../api/spec-fields.ts";
import { ReconcileError } from "../reconcile/reconciler.ts";
import { envsubst, SubstitutionError } from "./envsubst.ts";
import { type KubeObject, objectSubject } from "./kube-object.ts";
import { checkObjectShape } from "./manifests.ts";

export type VariableLookup = (ref: {
  kind: "ConfigMap" | "Secret";
  name: string;
}) => Promise<Readonly<Record<string, string>> | undefined>;

/** Flux refuses variable names a shell would not accept. */
const VARIABLE_NAME = /^[_a-zA-Z][_a-zA-Z0-9]*$/;
const SUBSTITUTE_ANNOTATION = "kustomize.toolkit.fluxcd.io/substitute";

function addVariables(
  into: Record<string, string>,
  data: Readonly<Record<string, string>>,
  source: string,
): void {
  for (const [name, value] of Object.entries(data)) {
    if (!VARIABLE_NAME.test(name))
      throw new ReconcileError(
        "BuildFailed",
        `variable name '${name}' from ${source} is invalid: names must match ${VARIABLE_NAME.source}`,
      );
    // Flux drops newlines so a value cannot break the YAML it lands in.
    into[name] = value.replaceAll("\n", "");
  }
}

/**
 * The variables of spec.postBuild: every substituteFrom ConfigMap/Secret in order (later ones win),
 * then spec.postBuild.substitute on top. Undefined when the spec has no postBuild.
 */
export async function resolvePostBuildVariables(
  spec: Readonly<Record<string, unknown>>,
  lookup: VariableLookup,
): Promise<Readonly<Record<string, string>> | undefined> {
  const postBuild = optionalObject(spec, "postBuild");
  if (!postBuild) return undefined;
  const vars: Record<string, string> = {};
  const refs = optionalArray(postBuild, "substituteFrom", "spec.postBuild.substituteFrom") ?? [];
  for (const [i, raw] of refs.entries()) {
    const field = `spec.postBuild.substituteFrom[${i}]`;
    if (typeof raw !== "object" || raw === null || Array.isArray(raw))
      throw new SpecError("InvalidSpec", field, `must be an object, got ${JSON.stringify(raw)}`);
    const ref = raw as Readonly<Record<string, unknown>>;
    const kind = requiredString(ref, "kind", `${field}.kind`);
    if (kind !== "ConfigMap" && kind !== "Secret")
      throw new SpecError("InvalidSpec", `${field}.kind`, `must be ConfigMap or Secret, got "${kind}"`);
    const name = requiredString(ref, "name", `${field}.name`);
    const optional = optionalBoolean(ref, "optional", `${field}.optional`) ?? false;
    const data = await lookup({ kind, name });
    if (data === undefined) {
      if (optional) continue;
      throw new ReconcileError(
        "BuildFailed",
        `substitute from '${kind}/${name}' failed: the ${kind} does not exist; create it in the Kustomization's namespace or set optional: true in ${field}`,
      );
    }
    addVariables(vars, data, `${kind}/${name}`);
  }
  const inline = optionalObject(postBuild, "substitute", "spec.postBuild.substitute") ?? {};
  for (const [name, value] of Object.entries(inline))
    if (typeof value !== "string")
      throw new SpecError(
        "InvalidSpec",
        `spec.postBuild.substitute.${name}`,
        `must be a string, got ${JSON.stringify(value)}`,
      );
  addVariables(vars, inline as Record<string, string>, "spec.postBuild.substitute");
  return vars;
}

function substitutionDisabled(object: KubeObject): boolean {
  const { labels, annotations } = object.metadata;
  return (
    labels?.[SUBSTITUTE_ANNOTATION] === "disabled" || annotations?.[SUBSTITUTE_ANNOTATION] === "disabled"
  );
}

/**
 * Expands `${var}` expressions in each object as Flux does: over the object's YAML text, which is
 * then read back, so `replicas: ${n}` becomes a number. Objects labelled or annotated
 * `kustomize.toolkit.fluxcd.io/substitute: disabled` are left alone. With no variables at all
 * nothing is substituted, as in Flux.
 */
export function substituteVariables(
  objects: readonly KubeObject[],
  vars: Readonly<Record<string, string>>,
): KubeObject[] {
  if (Object.keys(vars).length === 0) return [...objects];
  const lookup = (name: string) => (Object.hasOwn(vars, name) ? vars[name] : undefined);
  return objects.map((object) => {
    if (substitutionDisabled(object)) return object;
    // YAML 1.1 quoting keeps strings like "on" or "1:20" strings when read back.
    const text = stringify(object, { version: "1.1", lineWidth: 0 });
    if (!text.includes("$")) return object;
    const subject = objectSubject(object);
    let expanded: string;
    try {
      expanded = envsubst(text, lookup);
    } catch (error) {
      if (!(error instanceof SubstitutionError)) throw error;
      const hint = error.variable
        ? `; set it in spec.postBuild.substitute or substituteFrom, or give a default with \${${error.variable}:=value}`
        : "";
      throw new ReconcileError(
        "BuildFailed",
        `variable substitution failed in ${subject}: ${error.message}${hint}`,
      );
    }
    const doc = parseDocument(expanded, { uniqueKeys: false });
    const problem = doc.errors[0];
    if (problem) {
      // The parser's own message quotes the text, which now holds variable values: keep it out.
      const line = problem.linePos?.[0].line;
      throw new ReconcileError(
        "BuildFailed",
        `after variable substitution ${subject} is not valid YAML${line ? ` (line ${line} of the object)` : ""}: a substituted value probably needs quoting`,
      );
    }
    return checkObjectShape(doc.toJS({ maxAliasCount: 100 }), `${subject} after variable substitution`);
  });
}
