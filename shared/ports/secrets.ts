/** A Secret as a Flux object names it: `secretRef.name` in the object's namespace. */
export interface SecretRef {
  readonly namespace: string;
  readonly name: string;
}

/**
 * Secret data by reference. Values are plain strings (Kubernetes Secrets' `data`, decoded).
 * The engine never logs, records or emits what it gets from here.
 */
export interface SecretStore {
  /** The secret's key/value pairs, or undefined when no such secret exists. */
  get(ref: SecretRef): Promise<Readonly<Record<string, string>> | undefined>;
}
