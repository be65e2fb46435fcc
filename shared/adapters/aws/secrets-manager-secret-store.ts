import { GetSecretValueCommand, type SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { PortError } from "../../ports/errors.ts";
import type { SecretRef, SecretStore } from "../../ports/secrets.ts";
import { isTransientSdkError, sdkErrorShape } from "./sdk-errors.ts";

export interface SecretsManagerSecretStoreOptions {
  readonly client: SecretsManagerClient;
  /** Prepended to every secret id, e.g. `sluice/`; lets one account hold several installations. */
  readonly prefix: string;
}

type SecretData = Readonly<Record<string, string>>;

// Kubernetes names contain no `/`, so `<namespace>/<name>` after the prefix cannot alias another ref.
const NAMESPACE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/**
 * Secrets in AWS Secrets Manager. The secret `namespace/name` of a Flux object is the Secrets
 * Manager secret named `${prefix}${namespace}/${name}` (prefix `sluice/` gives
 * `sluice/flux-system/prod-kubeconfig`), whose value is a JSON object of string values, the shape
 * the console's key/value editor writes; a binary value is read as the same JSON in UTF-8.
 * Nothing is cached: every get reads the current version, so a rotated secret is seen at once.
 */
export class SecretsManagerSecretStore implements SecretStore {
  readonly #client: SecretsManagerClient;
  readonly #prefix: string;

  constructor(options: SecretsManagerSecretStoreOptions) {
    this.#client = options.client;
    this.#prefix = options.prefix;
  }

  /** The Secrets Manager secret id that holds `ref`. */
  secretId(ref: SecretRef): string {
    return `${this.#prefix}${ref.namespace}/${ref.name}`;
  }

  async get(ref: SecretRef): Promise<SecretData | undefined> {
    if (!NAMESPACE.test(ref.namespace) || !NAME.test(ref.name))
      throw new PortError(
        "Invalid",
        `secret reference ${ref.namespace}/${ref.name} is not a valid Kubernetes name`,
      );
    const id = this.secretId(ref);
    let text: string;
    try {
      const out = await this.#client.send(new GetSecretValueCommand({ SecretId: id }));
      if (out.SecretString !== undefined) text = out.SecretString;
      else if (out.SecretBinary !== undefined) text = Buffer.from(out.SecretBinary).toString("utf8");
      else throw new PortError("Invalid", `Secrets Manager secret ${id} has no value`);
    } catch (error) {
      if (error instanceof PortError) throw error;
      if (isNamed(error, "ResourceNotFoundException")) return undefined;
      throw toPortError(error, id);
    }
    return parseValue(text, id);
  }
}

function parseValue(text: string, id: string): SecretData {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // JSON.parse quotes the text it failed on, so the cause is left off.
    throw new PortError("Invalid", `Secrets Manager secret ${id} is not a JSON object of strings (not JSON)`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new PortError("Invalid", `Secrets Manager secret ${id} is not a JSON object of strings`);
  for (const [key, value] of Object.entries(parsed))
    if (typeof value !== "string")
      throw new PortError("Invalid", `Secrets Manager secret ${id}: key "${key}" is not a string`);
  return parsed as SecretData;
}

function isNamed(error: unknown, name: string): boolean {
  return error instanceof Error && error.name === name;
}

/** The one place this adapter maps SDK and network failures (their messages hold no secret data). */
function toPortError(error: unknown, id: string): PortError {
  const what = sdkErrorShape(error).name ?? "unknown error";
  if (isTransientSdkError(error))
    return new PortError("Transient", `reading Secrets Manager secret ${id} failed (${what}); retry later`, {
      cause: error,
    });
  if (what === "AccessDeniedException")
    return new PortError(
      "Invalid",
      `not allowed to read Secrets Manager secret ${id}: grant secretsmanager:GetSecretValue on it`,
      { cause: error },
    );
  return new PortError("Invalid", `reading Secrets Manager secret ${id} failed (${what})`, { cause: error });
}
