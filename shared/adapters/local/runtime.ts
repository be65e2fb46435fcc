import { join } from "node:path";
import type { DatabaseSync } from "node:sqlite";
import type {
  ArtifactStore,
  Clock,
  ClusterConnector,
  EventLog,
  EventSink,
  SecretStore,
  StateStore,
  WorkQueue,
} from "../../ports/index.ts";
import { systemClock } from "../../ports/index.ts";
import { openDatabase } from "./database.ts";
import { FileSecretStore } from "./file-secret-store.ts";
import { FsArtifactStore } from "./fs-artifact-store.ts";
import { KubeconfigClusterConnector } from "./kubeconfig-cluster-connector.ts";
import { SqliteEventLog } from "./sqlite-event-log.ts";
import { SqliteStateStore } from "./sqlite-state-store.ts";
import { SqliteWorkQueue } from "./sqlite-work-queue.ts";

export interface LocalAdaptersOptions {
  /** Everything the installation keeps: `sluice.db`, `artifacts/`, `secrets/`. */
  readonly dataDir: string;
  readonly clock?: Clock;
  /** Receives before a work message is dead-lettered. @default 5 */
  readonly maxAttempts?: number;
  /** The default cluster's kubeconfig; KUBECONFIG or ~/.kube/config when absent. */
  readonly kubeconfig?: string;
}

export interface LocalAdapters {
  readonly database: DatabaseSync;
  readonly state: StateStore;
  readonly queue: WorkQueue;
  readonly events: EventSink & EventLog;
  readonly eventLog: SqliteEventLog;
  readonly artifacts: ArtifactStore;
  readonly secrets: SecretStore;
  readonly clusters: ClusterConnector;
  readonly clock: Clock;
}

/** Every port on one machine: one SQLite file, a folder of artifacts, secrets from files. */
export function localAdapters(options: LocalAdaptersOptions): LocalAdapters {
  const clock = options.clock ?? systemClock;
  const database = openDatabase({ path: join(options.dataDir, "sluice.db") });
  const eventLog = new SqliteEventLog({ database, clock });
  const secrets = new FileSecretStore({ dir: join(options.dataDir, "secrets") });
  return {
    database,
    state: new SqliteStateStore({ database, clock }),
    queue: new SqliteWorkQueue({ database, clock, maxAttempts: options.maxAttempts ?? 5 }),
    events: eventLog,
    eventLog,
    artifacts: new FsArtifactStore({ dir: join(options.dataDir, "artifacts") }),
    secrets,
    clusters: new KubeconfigClusterConnector({
      secrets,
      ...(options.kubeconfig ? { defaultKubeconfig: options.kubeconfig } : {}),
    }),
    clock,
  };
}
