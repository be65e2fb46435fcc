import type { SecretStore } from "../ports/index.ts";
import type { ReconcileInput, ReconcileResult, Reconciler } from "../reconcile/reconciler.ts";
import { readReceiverSpec } from "./receiver-spec.ts";
import { readReceiverToken } from "./receiver-token.ts";
import { webhookPath } from "./webhook-path.ts";

export interface ReceiverDeps {
  readonly secrets: SecretStore;
}

/** How much of the path the Ready message shows: enough to tell two paths apart, too little to call. */
const SHOWN_DIGEST_CHARS = 8;

/**
 * Flux's Receiver: checks the spec, reads the token and publishes the webhook path in
 * status.webhookPath, where the webhook handler looks Receivers up. The token is read again
 * at each interval, so a new token moves the path.
 *
 * For `generic` receivers the path is the only credential, and the Ready message travels into
 * events and alerts; so, unlike Flux, the message shows only the start of the path.
 */
export class ReceiverReconciler implements Reconciler {
  readonly kind = "Receiver";
  readonly #secrets: SecretStore;

  constructor(deps: ReceiverDeps) {
    this.#secrets = deps.secrets;
  }

  async reconcile({ object }: ReconcileInput): Promise<ReconcileResult> {
    const spec = readReceiverSpec(object);
    const token = await readReceiverToken(this.#secrets, spec.secretRef);
    const path = webhookPath({ token, name: object.key.name, namespace: object.key.namespace });
    const shown = path.slice(0, path.lastIndexOf("/") + 1 + SHOWN_DIGEST_CHARS);
    return {
      message: `Receiver initialized for path: ${shown}… (full path in status.webhookPath)`,
      status: { webhookPath: path },
    };
  }
}
