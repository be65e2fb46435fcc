import ignore, { type Ignore } from "ignore";
import type { SourceFile } from "./source-file.ts";

/** Excluded from Git and OCI artifacts even with spec.ignore set: version control metadata. */
const VCS = [".git/", ".gitignore", ".gitmodules", ".gitattributes"];
/**
 * Flux's default exclusions, dropped when the object sets `spec.ignore`: binaries and archives,
 * CI configuration, and tool files that are not deployable.
 */
const DEFAULTS = [
  "*.jpg",
  "*.jpeg",
  "*.gif",
  "*.png",
  "*.wmv",
  "*.flv",
  "*.tar.gz",
  "*.zip",
  ".github/",
  ".circleci/",
  ".travis.yml",
  ".gitlab-ci.yml",
  "appveyor.yml",
  ".drone.yml",
  "cloudbuild.yaml",
  "codeship-services.yml",
  "codeship-steps.yml",
  "**/.goreleaser.yml",
  "**/.sops.yaml",
  "**/.flux.yaml",
];

export const SOURCE_IGNORE_FILE = ".sourceignore";

export interface IgnoreRulesInput {
  /** `spec.ignore`: replaces the defaults when set. */
  readonly spec?: string | undefined;
  /** Git and OCI sources use Flux's defaults (VCS files always); buckets have none. */
  readonly defaults: boolean;
}

/** A `.sourceignore` applies to its own folder and below, as a `.gitignore` does. */
function scoped(dir: string, text: string): string[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== "" && !l.startsWith("#"));
  if (dir === "") return lines;
  return lines.map((line) => {
    const negated = line.startsWith("!");
    const body = negated ? line.slice(1) : line;
    // Anchored or slash-containing patterns are relative to the file's folder; bare names match anywhere below it.
    const rooted = body.startsWith("/")
      ? `${dir}${body}`
      : body.includes("/") && !body.endsWith("/")
        ? `${dir}/${body}`
        : `${dir}/**/${body}`;
    return `${negated ? "!" : ""}${rooted}`;
  });
}

/**
 * Filters a source tree with gitignore-syntax rules: Flux's defaults (unless `spec.ignore` is
 * set), every `.sourceignore` in the tree (deeper files after shallower ones, so they can
 * re-include), then `spec.ignore`, which has the last word.
 */
export async function applyIgnoreRules(
  files: readonly SourceFile[],
  input: IgnoreRulesInput,
): Promise<SourceFile[]> {
  const rules: Ignore = ignore();
  if (input.defaults) rules.add(VCS);
  if (input.spec === undefined && input.defaults) rules.add(DEFAULTS);
  const ignoreFiles = files
    .filter(
      (f) =>
        f.mode !== "symlink" && (f.path === SOURCE_IGNORE_FILE || f.path.endsWith(`/${SOURCE_IGNORE_FILE}`)),
    )
    .sort((a, b) => a.path.split("/").length - b.path.split("/").length || a.path.localeCompare(b.path));
  for (const file of ignoreFiles) {
    const dir = file.path.slice(0, -SOURCE_IGNORE_FILE.length).replace(/\/$/, "");
    rules.add(scoped(dir, new TextDecoder().decode(await file.read())));
  }
  // Last, so it can overrule what a .sourceignore in the tree says, as in Flux.
  if (input.spec !== undefined) rules.add(input.spec);
  return files.filter((f) => !rules.ignores(f.path));
}
