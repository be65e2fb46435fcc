import semver from "semver";
import { SpecError } from "../api/errors.ts";

/** A semver constraint (`spec.version`, `spec.ref.semver`), read with the rules Flux and Helm share. */
export interface VersionConstraint {
  readonly text: string;
  readonly range: semver.Range;
  /** Helm lets prereleases match only when the constraint itself names one. */
  readonly includePrerelease: boolean;
}

/** A version written with a prerelease part (`1.2.3-rc.1`, `>=1.0.0-0`); a hyphen range has spaces. */
const PRERELEASE_IN_CONSTRAINT = /(^|[\s=<>~^,|])v?\d+(\.(\d+|[xX*])){0,2}-[0-9A-Za-z]/;

/**
 * Reads a semver constraint as Helm (Masterminds semver) writes them: `*`, `1.2.x`, `~1.2`,
 * `^1`, `>=1.0 <2.0`, comma-separated ANDs, `||` ORs. Empty means `*`.
 */
export function parseConstraint(text: string | undefined, field = "spec.version"): VersionConstraint {
  const raw = (text ?? "").trim() || "*";
  const normalized = raw.replace(/\s*,\s*/g, " ");
  let range: semver.Range;
  try {
    range = new semver.Range(normalized, { loose: true });
  } catch {
    throw new SpecError("InvalidSpec", field, `'${raw}' is not a semver version or range`);
  }
  // Looked for in the text: node-semver's desugared comparators carry `-0` bounds of their own.
  const includePrerelease = PRERELEASE_IN_CONSTRAINT.test(raw);
  // node-semver alone admits a prerelease only beside a comparator of the same x.y.z; Helm admits any.
  if (includePrerelease) range = new semver.Range(normalized, { loose: true, includePrerelease });
  return { text: raw, range, includePrerelease };
}

function parsed(versions: readonly string[]): { raw: string; version: semver.SemVer }[] {
  return versions.flatMap((raw) => {
    const version = semver.parse(raw, { loose: true });
    return version ? [{ raw, version }] : [];
  });
}

/** The highest of `versions` (as written) the constraint accepts; undefined when none does. */
export function highestMatching(
  versions: readonly string[],
  constraint: VersionConstraint,
): string | undefined {
  return parsed(versions)
    .filter(({ version }) => constraint.range.test(version))
    .sort((a, b) => semver.rcompare(a.version, b.version))[0]?.raw;
}

/** The newest few versions, for a "no version matches" message. */
export function latestVersions(versions: readonly string[], count = 5): string[] {
  return parsed(versions)
    .sort((a, b) => semver.rcompare(a.version, b.version))
    .slice(0, count)
    .map((v) => v.raw);
}
