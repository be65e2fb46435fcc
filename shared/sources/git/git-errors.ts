import { Errors } from "isomorphic-git";
import { ReconcileError } from "../../reconcile/reconciler.ts";
import { scrubSecrets } from "../redact.ts";
import type { GitHttpTransport, HttpCredentials } from "./http-transport.ts";

/** What one run talks to: the credential-free URL, how to authenticate, and which secret said so. */
export interface Remote {
  readonly url: string;
  readonly credentials: HttpCredentials | undefined;
  readonly secretName: string | undefined;
}

function secretValues(credentials: HttpCredentials | undefined): string[] {
  if (!credentials) return [];
  return credentials.kind === "bearer" ? [credentials.token] : [credentials.password];
}

interface ExplainContext {
  readonly remote: Remote;
  readonly transport: GitHttpTransport;
  /** The run timeout, for the message when the loop aborted the run. */
  readonly timeoutMs: number;
  /** Aborted by the loop when spec.timeout (or Flux's 60 s default) has passed. */
  readonly signal: AbortSignal;
}

/**
 * Turns what isomorphic-git and fetch throw into a ReconcileError with Flux's reasons and a
 * message that says what to do; secret values are scrubbed from anything a library wrote.
 */
export function explain(error: unknown, context: ExplainContext): unknown {
  const { remote, transport } = context;
  const scrub = (message: string) => scrubSecrets(message, secretValues(remote.credentials));
  if (transport.limitError) return transport.limitError;
  if (context.signal.aborted)
    return new ReconcileError(
      "GitOperationFailed",
      `timed out after ${Math.round(context.timeoutMs / 1000)}s talking to ${remote.url}; raise spec.timeout if the repository is large or the server slow`,
    );
  if (error instanceof ReconcileError)
    return error.message === scrub(error.message)
      ? error
      : new ReconcileError(error.reason, scrub(error.message), { stalled: error.stalled });
  if (error instanceof Errors.HttpError) {
    const status = error.data.statusCode;
    if (status === 401 || status === 403) {
      const message = remote.secretName
        ? `${remote.url} refused the credentials in secret '${remote.secretName}' (HTTP ${status}); check the secret's ${remote.credentials?.kind === "bearer" ? "bearerToken" : "username and password"}`
        : `${remote.url} requires authentication (HTTP ${status}); set spec.secretRef to a secret with username and password, or bearerToken`;
      return new ReconcileError("AuthenticationFailed", message);
    }
    if (status === 404)
      return new ReconcileError(
        "GitOperationFailed",
        `no Git repository at ${remote.url} (HTTP 404); check spec.url`,
      );
    return new ReconcileError("GitOperationFailed", `${remote.url} answered HTTP ${status}`);
  }
  const message = error instanceof Error ? error.message : String(error);
  return new ReconcileError(
    "GitOperationFailed",
    scrub(`git operation on ${remote.url} failed: ${message}`),
    {
      cause: error,
    },
  );
}
