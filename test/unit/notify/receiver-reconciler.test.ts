import { describe, expect, it } from "vitest";
import { ReceiverReconciler } from "../../../shared/notify/receiver-reconciler.ts";
import type { SecretRef, SecretStore, StoredObject } from "../../../shared/ports/index.ts";
import { ReconcileError } from "../../../shared/reconcile/reconciler.ts";
import { storedObject } from "../../helpers/stored-object.ts";

const TOKEN = "s3cr3t";

function receiver(spec: Record<string, unknown> = {}): StoredObject {
  return storedObject(
    { kind: "Receiver", namespace: "flux-system", name: "github-receiver" },
    "notification.toolkit.fluxcd.io/v1",
    {
      type: "github",
      secretRef: { name: "webhook-token" },
      resources: [{ kind: "GitRepository", name: "fleet" }],
      ...spec,
    },
  );
}

function secretsWith(data: Record<string, Record<string, string>>): SecretStore & { asked: SecretRef[] } {
  const asked: SecretRef[] = [];
  return {
    asked,
    async get(ref) {
      asked.push(ref);
      return data[`${ref.namespace}/${ref.name}`];
    },
  };
}

async function run(object: StoredObject, secrets: SecretStore) {
  return new ReceiverReconciler({ secrets }).reconcile({
    object,
    now: 0,
    signal: new AbortController().signal,
  });
}

async function failure(object: StoredObject, secrets: SecretStore): Promise<ReconcileError> {
  const error = await run(object, secrets).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof ReconcileError)) throw new Error(`expected a ReconcileError, got ${String(error)}`);
  return error;
}

describe("ReceiverReconciler", () => {
  it("publishes Flux's webhook path in status, and only its start in the Ready message", async () => {
    const secrets = secretsWith({ "flux-system/webhook-token": { token: TOKEN } });
    const result = await run(receiver(), secrets);
    const path = "/hook/605dbd4976c3504a20afec155a68122702621389b3b29f71feb118008a1696a1";
    expect(result.status).toEqual({ webhookPath: path });
    expect(result.message).toContain("Receiver initialized for path: /hook/605dbd49");
    expect(result.message).not.toContain(path.slice(6));
    expect(secrets.asked).toEqual([{ namespace: "flux-system", name: "webhook-token" }]);
  });

  it("retries, naming the secret and never a value, while the secret or its token is missing", async () => {
    const missing = await failure(receiver(), secretsWith({}));
    expect(missing).toMatchObject({ reason: "SecretNotFound", stalled: false });
    expect(missing.message).toContain("flux-system/webhook-token");

    const noToken = await failure(
      receiver(),
      secretsWith({ "flux-system/webhook-token": { password: TOKEN } }),
    );
    expect(noToken).toMatchObject({ reason: "TokenNotFound", stalled: false });
    expect(noToken.message).toContain("flux-system/webhook-token");
    expect(noToken.message).not.toContain(TOKEN);

    const empty = await failure(receiver(), secretsWith({ "flux-system/webhook-token": { token: "" } }));
    expect(empty.reason).toBe("TokenNotFound");
  });

  it("stalls on an invalid spec without reading the secret", async () => {
    const secrets = secretsWith({ "flux-system/webhook-token": { token: TOKEN } });
    const error = await failure(receiver({ type: "svn" }), secrets);
    expect(error).toMatchObject({ reason: "InvalidSpec", stalled: true });
    expect(secrets.asked).toEqual([]);
  });
});
