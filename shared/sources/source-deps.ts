import type { ArtifactStore, SecretStore, StateStore } from "../ports/index.ts";
import type { TransferMeter } from "./transfer-meter.ts";

export interface SourceLimits {
  /** Largest tree (sum of file sizes) or download a source may produce. @default 256 MiB */
  readonly maxArtifactBytes: number;
  /** Artifacts kept per object, the current one included; older ones are deleted. @default 3 */
  readonly keepArtifacts: number;
}

export const DEFAULT_SOURCE_LIMITS: SourceLimits = {
  maxArtifactBytes: 256 * 1024 * 1024,
  keepArtifacts: 3,
};

/** What every source reconciler needs; the runtimes pass their adapters in. */
export interface SourceDeps {
  readonly artifacts: ArtifactStore;
  readonly secrets: SecretStore;
  /** To read other sources (`include`, HelmChart's source) and check artifact references before deleting. */
  readonly state: StateStore;
  readonly limits?: Partial<SourceLimits>;
  /** Counts remote calls and bytes, for the benchmark and for logs. */
  readonly meter?: TransferMeter;
  /** Scratch space that may survive between runs (Lambda's /tmp, the local data dir). */
  readonly cacheDir?: string;
}

export function limitsOf(deps: SourceDeps): SourceLimits {
  return { ...DEFAULT_SOURCE_LIMITS, ...deps.limits };
}
