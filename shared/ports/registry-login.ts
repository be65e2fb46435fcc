/** Which cloud's identity to log in to a registry with; only AWS (ECR) for now. */
export type RegistryLoginProvider = "aws";

export interface RegistryLoginInput {
  readonly provider: RegistryLoginProvider;
  /** The registry host as it appears in the URL, e.g. `123456789012.dkr.ecr.eu-west-1.amazonaws.com`. */
  readonly host: string;
  readonly signal?: AbortSignal;
}

/** Short-lived registry credentials, used as Basic credentials; never logged or stored in status. */
export interface RegistryCredentials {
  readonly username: string;
  readonly password: string;
}

/**
 * Exchanges the runtime's own cloud identity for registry credentials (Flux's `spec.provider`),
 * so no secret has to be stored for a cloud registry. Failures are PortErrors: `Invalid` when the
 * host is not one of the provider's registries or access is denied, `Transient` when a retry may
 * succeed.
 */
export interface RegistryLogin {
  login(input: RegistryLoginInput): Promise<RegistryCredentials>;
}
