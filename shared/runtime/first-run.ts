import { join } from "node:path";
import { localAdapters } from "../adapters/local/runtime.ts";
import type { RootSourceConfig } from "../control/root-config.ts";
import type { DevEnvironment } from "./dev-environment.ts";
import { reapplyToNewCluster, waitUntilSynced } from "./dev-sync.ts";
import { type EventFollower, followEvents } from "./event-follower.ts";
import { clusterGuide, pushGuide, syncSummary } from "./quickstart-guide.ts";
import { locateTools } from "./tools.ts";

export interface FirstRunOptions {
  /** The running local runtime's data folder and API. */
  readonly dataDir: string;
  readonly apiUrl: string;
  readonly dev: DevEnvironment;
  /** The root being synced: the example repository's, or the user's own. */
  readonly root: RootSourceConfig;
  readonly print: (line: string) => void;
  /** Aborts the waiting (Ctrl-C while the first sync is still running). */
  readonly signal?: AbortSignal;
}

/**
 * What `npm start` does on the development cluster once the runtime is up: applies Git to the
 * fresh cluster, waits for the first complete sync, prints what it applied and how to push a
 * change, then prints events as they come. The state is read through a second connection to the
 * runtime's database, as any local tool may; requests go through the same queue the API uses.
 */
export async function followFirstRun(options: FirstRunOptions): Promise<EventFollower> {
  const { print, signal } = options;
  const adapters = localAdapters({ dataDir: options.dataDir });
  try {
    const requested = await reapplyToNewCluster(adapters, { log: print, ...(signal ? { signal } : {}) });
    print(`waiting for ${options.root.url} to be synced…`);
    const report = await waitUntilSynced(adapters.state, {
      requested,
      ...(signal ? { signal } : {}),
      onPending: (pending) => {
        print("still waiting for:");
        for (const line of pending) print(`  ${line}`);
      },
    });
    const since = Date.now();
    // The same kubectl the runtime renders with, so the printed commands work on a bare machine.
    const kubectl = await locateTools({ cacheDir: join(options.dataDir, "cache") }).then(
      (tools) => tools.kubectl,
      () => "kubectl",
    );
    const kube = { kubeconfig: options.dev.kubeconfig, kubectl };
    const repository = options.dev.repository;
    const lines = [
      "",
      ...syncSummary(report, options.root),
      "",
      ...(repository?.root.url === options.root.url
        ? [...pushGuide({ apiUrl: options.apiUrl, cloneUrl: repository.cloneUrl, ...kube }), ""]
        : []),
      ...clusterGuide(kube),
      "",
    ];
    for (const line of lines) print(line);
    const follower = followEvents({ eventLog: adapters.eventLog, since, print });
    return {
      async stop() {
        await follower.stop();
        adapters.database.close();
      },
    };
  } catch (error) {
    adapters.database.close();
    throw error;
  }
}
