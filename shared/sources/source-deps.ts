import type { ArtifactStore, SecretStore, StateStore } from "../ports/index.ts";
import type { ArtifactFilesCache } from "./artifact/files-cache.ts";
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

/** Settings an operator may change, as environment variables (the same on both runtimes). */
export const SOURCE_LIMIT_ENV = {
  maxArtifactMiB: "SLUICE_MAX_ARTIFACT_MIB",
  keepArtifacts: "SLUICE_KEEP_ARTIFACTS",
} as const;

function positiveInteger(
  env: Readonly<Record<string, string | undefined>>,
  name: string,
): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === "") return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`${name} must be a whole number above 0, got ${JSON.stringify(raw)}`);
  return value;
}

/** The limits an operator set, over the defaults; a malformed value stops start-up with its name. */
export function sourceLimitsFromEnv(env: Readonly<Record<string, string | undefined>>): SourceLimits {
  const mib = positiveInteger(env, SOURCE_LIMIT_ENV.maxArtifactMiB);
  const keep = positiveInteger(env, SOURCE_LIMIT_ENV.keepArtifacts);
  return {
    maxArtifactBytes: mib === undefined ? DEFAULT_SOURCE_LIMITS.maxArtifactBytes : mib * 1024 * 1024,
    keepArtifacts: keep ?? DEFAULT_SOURCE_LIMITS.keepArtifacts,
  };
}

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
  /** Unpacked artifacts kept in memory, so many readers of one revision unpack it once. */
  readonly artifactFiles?: ArtifactFilesCache;
}

export function limitsOf(deps: SourceDeps): SourceLimits {
  return { ...DEFAULT_SOURCE_LIMITS, ...deps.limits };
}
