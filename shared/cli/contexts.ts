import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { CliError, usageError } from "./errors.ts";

/** Where the CLI sends its requests, and how it signs them. */
export interface CliContext {
  readonly name: string;
  /** The API's base URL: the local runtime, or a deployed stack's `ApiUrl` (a function URL). */
  readonly url: string;
  /** Set for a deployed stack: requests are signed with SigV4 for service `lambda`. */
  readonly aws?: { readonly region: string; readonly profile?: string };
  /** The cluster `diff`, `trace` and `check` talk to; else KUBECONFIG or ~/.kube/config. */
  readonly kubeconfig?: string;
}

export interface CliConfig {
  readonly currentContext?: string;
  readonly contexts: readonly CliContext[];
}

export const DEFAULT_API_URL = "http://127.0.0.1:9292";
/** The name a context given by --api-url (or SLUICE_API_URL) goes by in messages. */
export const API_URL_CONTEXT = "--api-url";

type Env = Readonly<Record<string, string | undefined>>;

/** `$SLUICE_CONFIG`, else `$XDG_CONFIG_HOME/sluice/config.yaml`, else `~/.config/sluice/config.yaml`. */
export function configPath(env: Env): string {
  if (env.SLUICE_CONFIG) return env.SLUICE_CONFIG;
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), ".config");
  return join(base, "sluice", "config.yaml");
}

function bad(path: string, message: string): CliError {
  return new CliError("Invalid", `${path}: ${message}`, {
    hint: "see `sluice --help` for the config file's shape (contexts: [{name, url, aws: {region, profile}}])",
  });
}

function optionalText(value: unknown, field: string, path: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string" || value === "") throw bad(path, `${field} must be a non-empty string`);
  return value;
}

/** The URL without its trailing slashes; a usage error naming `where` when it is not http(s). */
export function checkUrl(url: string, where: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new Error("not http(s)");
  } catch {
    throw usageError(`${where} must be an http(s) URL, got '${url}'`);
  }
  return url.replace(/\/+$/, "");
}

/** Reads the config file; a missing file is an empty configuration. */
export function parseConfig(text: string, path: string): CliConfig {
  let doc: unknown;
  try {
    doc = parse(text, { maxAliasCount: 50 }) ?? {};
  } catch (error) {
    throw bad(path, `not valid YAML: ${(error as Error).message.split("\n")[0]}`);
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw bad(path, "must be a map");
  const raw = doc as Record<string, unknown>;
  const list = raw.contexts ?? [];
  if (!Array.isArray(list)) throw bad(path, "contexts must be a list");
  const contexts = list.map((item, i): CliContext => {
    if (typeof item !== "object" || item === null) throw bad(path, `contexts[${i}] must be a map`);
    const entry = item as Record<string, unknown>;
    const name = optionalText(entry.name, `contexts[${i}].name`, path);
    const url = optionalText(entry.url, `contexts[${i}].url`, path);
    if (!name || !url) throw bad(path, `contexts[${i}] needs a name and a url`);
    const kubeconfig = optionalText(entry.kubeconfig, `contexts[${i}].kubeconfig`, path);
    let aws: CliContext["aws"];
    if (entry.aws !== undefined && entry.aws !== null) {
      if (typeof entry.aws !== "object") throw bad(path, `contexts[${i}].aws must be a map`);
      const a = entry.aws as Record<string, unknown>;
      const region = optionalText(a.region, `contexts[${i}].aws.region`, path);
      if (!region) throw bad(path, `contexts[${i}].aws.region is required`);
      const profile = optionalText(a.profile, `contexts[${i}].aws.profile`, path);
      aws = { region, ...(profile ? { profile } : {}) };
    }
    return {
      name,
      url: checkUrl(url, `contexts[${i}].url in ${path}`),
      ...(aws ? { aws } : {}),
      ...(kubeconfig ? { kubeconfig } : {}),
    };
  });
  const currentContext = optionalText(raw["current-context"], "current-context", path);
  return { contexts, ...(currentContext ? { currentContext } : {}) };
}

export function loadConfig(path: string): CliConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { contexts: [] };
    throw new CliError("Invalid", `cannot read ${path}: ${(error as Error).message}`);
  }
  return parseConfig(text, path);
}

/** A function URL names its region: `https://<id>.lambda-url.<region>.on.aws/` (match the hostname). */
export const FUNCTION_URL = /\.lambda-url\.([a-z0-9-]+)\.on\.aws$/;

/** The region a function URL names; undefined for any other URL. */
export function functionUrlRegion(url: string): string | undefined {
  try {
    return FUNCTION_URL.exec(new URL(url).hostname)?.[1];
  } catch {
    return undefined;
  }
}

/** A context name the file does not hold: the caller's mistake, with the names it does hold. */
export function unknownContext(name: string, known: readonly string[]): CliError {
  return usageError(
    `no context named '${name}'`,
    known.length > 0
      ? `known contexts: ${known.join(", ")}`
      : "the config file has no contexts; add one with `sluice config set-context <name> --url <url>`",
  );
}

export interface ContextFlags {
  readonly context?: string;
  readonly apiUrl?: string;
}

/**
 * Which API to talk to: `--api-url` (or SLUICE_API_URL), else `--context` (or SLUICE_CONTEXT), else
 * the file's current-context, else the local runtime on its default port. A bare function URL is
 * signed for its own region with the default AWS credentials (AWS_PROFILE and the usual chain).
 */
export function resolveContext(flags: ContextFlags, config: CliConfig, env: Env): CliContext {
  const apiUrl = flags.apiUrl ?? env.SLUICE_API_URL;
  if (apiUrl) {
    const url = checkUrl(apiUrl, "--api-url");
    const region = functionUrlRegion(url);
    return {
      name: API_URL_CONTEXT,
      url,
      ...(region ? { aws: { region, ...(env.AWS_PROFILE ? { profile: env.AWS_PROFILE } : {}) } } : {}),
    };
  }
  const wanted = flags.context ?? env.SLUICE_CONTEXT ?? config.currentContext;
  if (wanted) {
    const found = config.contexts.find((c) => c.name === wanted);
    if (!found)
      throw unknownContext(
        wanted,
        config.contexts.map((c) => c.name),
      );
    return found;
  }
  return { name: "local", url: DEFAULT_API_URL };
}
