import { ReconcileError } from "../reconcile/reconciler.ts";
import { type KubeObject, objectSubject } from "../render/kube-object.ts";
import type { ClusterClient } from "./cluster-client.ts";
import { RECONCILIATION_FAILED } from "./failure.ts";
import { NoKindMatchError } from "./kube-errors.ts";
import { refOf } from "./object-ref.ts";

interface Condition {
  readonly type?: string;
  readonly status?: string;
  readonly message?: string;
}

function conditions(object: KubeObject | undefined): readonly Condition[] {
  const status = object?.status as { conditions?: readonly Condition[] } | undefined;
  return status?.conditions ?? [];
}

/** Whether the API server serves the CRD's kinds yet. */
export function isEstablished(crd: KubeObject | undefined): boolean {
  return conditions(crd).some((c) => c.type === "Established" && c.status === "True");
}

interface CrdSpec {
  readonly group?: string;
  readonly names?: { readonly kind?: string };
  readonly versions?: readonly { readonly name?: string; readonly served?: boolean }[];
}

/** Whether discovery lists the CRD's kind for every served version (it lags Established a little). */
async function isDiscoverable(client: ClusterClient, crd: KubeObject, signal: AbortSignal): Promise<boolean> {
  const spec = (crd.spec ?? {}) as CrdSpec;
  const kind = spec.names?.kind;
  if (!spec.group || !kind) return true;
  for (const version of spec.versions ?? []) {
    if (!version.served || !version.name) continue;
    try {
      await client.isNamespaced(`${spec.group}/${version.name}`, kind, { signal });
    } catch (error) {
      if (error instanceof NoKindMatchError) return false;
      throw error;
    }
  }
  return true;
}

/**
 * Polls until every CRD is Established and its kinds are discoverable, at most `timeoutMs` and never past `signal`. A CRD that
 * cannot be established (NamesAccepted=False: a name clash) fails with the server's reason.
 */
export async function waitForCrds(
  client: ClusterClient,
  crds: readonly KubeObject[],
  options: { readonly timeoutMs: number; readonly signal: AbortSignal; readonly intervalMs?: number },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let pending = [...crds];
  for (;;) {
    const live = await Promise.all(pending.map((crd) => client.get(refOf(crd), { signal: options.signal })));
    for (const crd of live) {
      const rejected = conditions(crd).find((c) => c.type === "NamesAccepted" && c.status === "False");
      if (crd && rejected) {
        throw new ReconcileError(
          RECONCILIATION_FAILED,
          `${objectSubject(crd)} cannot be established: ${rejected.message ?? "names not accepted"}`,
        );
      }
    }
    const ready = await Promise.all(
      pending.map(
        async (crd, i) => isEstablished(live[i]) && (await isDiscoverable(client, crd, options.signal)),
      ),
    );
    pending = pending.filter((_, i) => !ready[i]);
    if (pending.length === 0) return;
    client.forgetDiscovery();
    if (Date.now() >= deadline) {
      const names = pending.map(objectSubject).join(", ");
      throw new ReconcileError(
        RECONCILIATION_FAILED,
        `${names} not established after ${Math.round(options.timeoutMs / 1000)}s: check the CRD's status conditions`,
      );
    }
    await sleep(options.intervalMs ?? 250, options.signal);
  }
}

export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
