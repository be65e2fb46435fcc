import { parseDocument, stringify } from "yaml";
import { ReconcileError } from "../../reconcile/reconciler.ts";
import { type SourceFile, safeRelativePath } from "../source-file.ts";

type Values = Record<string, unknown>;

/**
 * Helm reads values as YAML 1.1 (`yes` and `on` are booleans); parsing and writing with the
 * same rules keeps a quoted "yes" a string once the merged file is read back by Helm.
 */
const YAML_VERSION = "1.1";

function isRecord(value: unknown): value is Values {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Helm's merge of values files: maps merge key by key, anything else (lists too) is replaced. */
export function mergeValues(base: Values, override: Values): Values {
  const out: Values = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const current = out[key];
    out[key] = isRecord(current) && isRecord(value) ? mergeValues(current, value) : value;
  }
  return out;
}

export interface MergeValuesInput {
  /** Files to look the paths up in (a chart's files, or a whole source tree). */
  readonly files: readonly SourceFile[];
  readonly paths: readonly string[];
  readonly ignoreMissing: boolean;
  /** Where the paths were looked up, for messages: "chart 'podinfo' 6.0.3". */
  readonly where: string;
}

export interface MergedValues {
  /** The merged document, as the chart's new `values.yaml`. */
  readonly yaml: string;
  /** The paths that existed and were merged, in order (Flux's `status.observedValuesFiles`). */
  readonly used: readonly string[];
}

/**
 * Merges `spec.valuesFiles` in order, later files overriding earlier ones. As in Flux the
 * result replaces the chart's values.yaml, so list `values.yaml` first to build on the defaults.
 */
export async function mergeValuesFiles(input: MergeValuesInput): Promise<MergedValues> {
  const byPath = new Map(input.files.map((f) => [f.path, f]));
  let merged: Values = {};
  const used: string[] = [];
  for (const raw of input.paths) {
    const path = safeRelativePath(raw);
    const file = byPath.get(path);
    if (!file || file.mode === "symlink") {
      if (input.ignoreMissing) continue;
      throw new ReconcileError(
        "ValuesFilesError",
        `values file '${raw}' not found in ${input.where}: fix spec.valuesFiles or set spec.ignoreMissingValuesFiles`,
      );
    }
    const doc = parseDocument(new TextDecoder().decode(await file.read()), { version: YAML_VERSION });
    const error = doc.errors[0];
    if (error) {
      const line = error.linePos?.[0].line;
      throw new ReconcileError(
        "ValuesFilesError",
        `values file '${raw}' in ${input.where} is not valid YAML${line ? ` (line ${line})` : ""}`,
      );
    }
    const values = doc.toJS() as unknown;
    if (values !== null && values !== undefined && !isRecord(values))
      throw new ReconcileError("ValuesFilesError", `values file '${raw}' in ${input.where} is not a map`);
    merged = mergeValues(merged, values ?? {});
    used.push(raw);
  }
  return { yaml: stringify(merged, { version: YAML_VERSION }), used };
}
