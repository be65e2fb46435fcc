import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parseDocument } from "yaml";
import { PortError } from "../../ports/errors.ts";
import type { SecretRef, SecretStore } from "../../ports/secrets.ts";

export interface FileSecretStoreOptions {
  /** Holds `<namespace>/<name>.yaml` (or `.json`) per secret. */
  readonly dir: string;
  /** Where `SLUICE_SECRET_<NAMESPACE>_<NAME>` is looked up; process.env unless given. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

type SecretData = Readonly<Record<string, string>>;

// Kubernetes names are DNS labels/subdomains; checking them keeps a ref from walking out of `dir`.
const NAMESPACE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The variable CI sets instead of a file: upper-cased, anything not alphanumeric becomes `_`. */
export function secretEnvName(ref: SecretRef): string {
  return `SLUICE_SECRET_${ref.namespace}_${ref.name}`.toUpperCase().replace(/[^A-Z0-9]/g, "_");
}

/**
 * Secrets for the local runtime: files an operator writes next to the installation, in either of the
 * two shapes people already have (a Kubernetes Secret manifest, or a plain map of strings), or an
 * environment variable holding a JSON map, which is what CI systems can inject. When both exist the
 * variable wins, so CI can override a placeholder file. Errors name the file or variable, never its
 * content: a parser's message quotes the text it choked on, so parse errors carry no cause.
 */
export class FileSecretStore implements SecretStore {
  readonly #dir: string;
  readonly #env: Readonly<Record<string, string | undefined>>;

  constructor(options: FileSecretStoreOptions) {
    this.#dir = options.dir;
    this.#env = options.env ?? process.env;
  }

  async get(ref: SecretRef): Promise<SecretData | undefined> {
    if (!NAMESPACE.test(ref.namespace) || !NAME.test(ref.name))
      throw new PortError(
        "Invalid",
        `secret reference ${ref.namespace}/${ref.name} is not a valid Kubernetes name`,
      );
    const variable = secretEnvName(ref);
    const fromEnv = this.#env[variable];
    if (fromEnv !== undefined) return fromJsonVariable(variable, fromEnv);

    const base = join(this.#dir, ref.namespace, ref.name);
    const [yaml, json] = await Promise.all([readIfPresent(`${base}.yaml`), readIfPresent(`${base}.json`)]);
    if (yaml !== undefined && json !== undefined)
      throw new PortError(
        "Invalid",
        `secret ${ref.namespace}/${ref.name} is defined twice (${base}.yaml and ${base}.json); keep one`,
      );
    if (yaml !== undefined) return fromDocument(`${base}.yaml`, parseYaml(`${base}.yaml`, yaml));
    if (json !== undefined) return fromDocument(`${base}.json`, parseJson(`${base}.json`, json));
    return undefined;
  }
}

async function readIfPresent(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return undefined;
    const reason = code === "EACCES" || code === "EISDIR" ? "Invalid" : "Transient";
    throw new PortError(reason, `cannot read secret file ${path} (${code ?? "unknown error"})`, {
      cause: error,
    });
  }
}

function parseYaml(path: string, text: string): unknown {
  const doc = parseDocument(text);
  const first = doc.errors[0];
  if (first) {
    const line = first.linePos?.[0].line;
    throw new PortError("Invalid", `secret file ${path} is not valid YAML${line ? ` (line ${line})` : ""}`);
  }
  return doc.toJS();
}

function parseJson(path: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new PortError("Invalid", `secret file ${path} is not valid JSON`);
  }
}

function fromJsonVariable(variable: string, text: string): SecretData {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new PortError("Invalid", `environment variable ${variable} is not valid JSON`);
  }
  return stringMap(parsed, `environment variable ${variable}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A Kubernetes Secret manifest (`data` base64, `stringData` plain, stringData wins) or a plain map. */
function fromDocument(path: string, doc: unknown): SecretData {
  if (isRecord(doc) && doc.kind === "Secret") {
    const where = `secret file ${path}`;
    const data = doc.data === undefined || doc.data === null ? {} : stringMap(doc.data, `${where} (data)`);
    const decoded: Record<string, string> = {};
    for (const [key, value] of Object.entries(data)) {
      if (!BASE64.test(value)) throw new PortError("Invalid", `${where}: data key "${key}" is not base64`);
      decoded[key] = Buffer.from(value, "base64").toString("utf8");
    }
    const plain =
      doc.stringData === undefined || doc.stringData === null
        ? {}
        : stringMap(doc.stringData, `${where} (stringData)`);
    return { ...decoded, ...plain };
  }
  return stringMap(doc, `secret file ${path}`);
}

function stringMap(value: unknown, where: string): SecretData {
  if (!isRecord(value)) throw new PortError("Invalid", `${where} is not a map of strings`);
  for (const [key, entry] of Object.entries(value))
    if (typeof entry !== "string") throw new PortError("Invalid", `${where}: key "${key}" is not a string`);
  return value as SecretData;
}
