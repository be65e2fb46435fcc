import { SpecError } from "../../api/errors.ts";
import {
  oneOf,
  optionalBoolean,
  optionalObject,
  optionalString,
  optionalStringArray,
  requiredString,
} from "../../api/spec-fields.ts";
import type { ObjectKey, StoredObject } from "../../ports/index.ts";
import { ReconcileError } from "../../reconcile/reconciler.ts";
import { sourceRefKey } from "../source-ref.ts";
import { parseConstraint, type VersionConstraint } from "../version-constraint.ts";

export const CHART_SOURCE_KINDS = ["HelmRepository", "GitRepository", "Bucket"] as const;

/** A HelmChart's spec, checked. */
export interface HelmChartSpec {
  /** A chart name (HelmRepository) or a folder path (GitRepository, Bucket). */
  readonly chart: string;
  readonly version: VersionConstraint;
  readonly source: ObjectKey;
  readonly valuesFiles: readonly string[];
  readonly ignoreMissingValuesFiles: boolean;
  readonly reconcileStrategy: "ChartVersion" | "Revision";
}

export function readHelmChartSpec(object: StoredObject): HelmChartSpec {
  const spec = object.spec;
  const ref = optionalObject(spec, "sourceRef");
  if (!ref) throw new SpecError("InvalidSpec", "spec.sourceRef", "is required");
  if (optionalObject(spec, "verify"))
    throw new ReconcileError(
      "UnsupportedField",
      "spec.verify: chart signature verification (cosign, notation) is not supported yet; remove it",
      { stalled: true },
    );
  return {
    chart: requiredString(spec, "chart"),
    version: parseConstraint(optionalString(spec, "version")),
    source: sourceRefKey(object, ref, "spec.sourceRef", CHART_SOURCE_KINDS),
    valuesFiles: optionalStringArray(spec, "valuesFiles") ?? [],
    ignoreMissingValuesFiles: optionalBoolean(spec, "ignoreMissingValuesFiles") ?? false,
    reconcileStrategy: oneOf(
      spec,
      "reconcileStrategy",
      ["ChartVersion", "Revision"] as const,
      "ChartVersion",
    ),
  };
}
