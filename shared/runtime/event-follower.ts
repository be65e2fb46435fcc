import { setTimeout as sleep } from "node:timers/promises";
import { type EventLog, formatKey, type ReconcileEvent } from "../ports/index.ts";

/** Commit ids cut to 12 hex digits, enough to recognise one in `git log`. */
function shortRevision(revision: string): string {
  return revision.replace(/\b([0-9a-f]{12})[0-9a-f]{28,52}\b/g, "$1");
}

function clock(timestamp: number): string {
  return new Date(timestamp).toISOString().slice(11, 19);
}

/**
 * An event as a person reads it in a terminal: time, object, revision, then the message; a
 * change list (one change a line) continues on indented lines.
 */
export function formatEvent(event: ReconcileEvent): string[] {
  const [first = "", ...rest] = event.message.split("\n");
  const revision = event.revision ? ` ${shortRevision(event.revision)}` : "";
  const warning = event.type === "Warning" ? "warning " : "";
  return [
    `${clock(event.timestamp)} ${warning}${formatKey(event.key)}${revision}: ${first}`,
    ...rest.map((line) => `           ${line}`),
  ];
}

export interface EventFollower {
  /** Stops after the current look; resolves once it has. */
  stop(): Promise<void>;
}

/**
 * Prints every event recorded from `since` on, as they arrive: the terminal where `npm start`
 * runs shows a pushed change land. Polls the event log, which a second process may also write.
 */
export function followEvents(options: {
  readonly eventLog: EventLog;
  /** Epoch ms. */
  readonly since: number;
  readonly print: (line: string) => void;
  /** @default 1 s */
  readonly intervalMs?: number;
}): EventFollower {
  const stopping = new AbortController();
  let cursor = options.since;
  // Events of the cursor's own millisecond are listed again next time; these were printed already.
  let printedAtCursor = new Set<string>();
  const look = async () => {
    const events = await options.eventLog.list({ since: cursor });
    for (const event of events) {
      const id = JSON.stringify([formatKey(event.key), event.reason, event.message, event.revision]);
      if (event.timestamp === cursor && printedAtCursor.has(id)) continue;
      if (event.timestamp > cursor) {
        cursor = event.timestamp;
        printedAtCursor = new Set();
      }
      printedAtCursor.add(id);
      for (const line of formatEvent(event)) options.print(line);
    }
  };
  const loop = (async () => {
    while (!stopping.signal.aborted) {
      try {
        await look();
      } catch (error) {
        options.print(`could not read the event log: ${(error as Error).message}`);
      }
      await sleep(options.intervalMs ?? 1_000, undefined, { signal: stopping.signal }).catch(() => {});
    }
  })();
  return {
    async stop() {
      stopping.abort();
      await loop;
    },
  };
}
