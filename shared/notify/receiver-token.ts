import type { SecretRef, SecretStore } from "../ports/index.ts";
import { ReconcileError } from "../reconcile/reconciler.ts";

/**
 * The `token` of a Receiver's Secret. A missing Secret or key is not the spec's fault (the Secret
 * may be created next), so the errors are retried, not stalled; they name the Secret, never a value.
 */
export async function readReceiverToken(secrets: SecretStore, ref: SecretRef): Promise<string> {
  const data = await secrets.get(ref);
  if (!data)
    throw new ReconcileError(
      "SecretNotFound",
      `secret '${ref.namespace}/${ref.name}' named by spec.secretRef was not found`,
    );
  const token = data.token;
  // An empty token would make every HMAC check trivially forgeable.
  if (token === undefined || token === "")
    throw new ReconcileError(
      "TokenNotFound",
      `secret '${ref.namespace}/${ref.name}' has no 'token' key, or it is empty`,
    );
  return token;
}
