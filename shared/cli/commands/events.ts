import type { Command } from "commander";
import { parseDuration } from "../../api/duration.ts";
import type { ObjectKey } from "../../ports/object-key.ts";
import type { EventView } from "../api-client.ts";
import { usageError } from "../errors.ts";
import { kindInfo, parseObjectRef } from "../kinds.ts";
import { printStructured } from "../output/manifest.ts";
import { formatAge, oneLine, renderTable } from "../output/table.ts";
import type { CliDeps, Session } from "../session.ts";
import { paint } from "../terminal.ts";
import { examples, outputFormat, sessionOf } from "./common.ts";

interface EventOptions {
  readonly for?: string;
  readonly allNamespaces?: boolean;
  readonly watch?: boolean;
  readonly output?: string;
  readonly limit?: string;
}

interface Filter {
  readonly object?: ObjectKey;
  readonly namespace?: string;
  readonly kind?: string;
  readonly name?: string;
  readonly since?: number;
  readonly limit?: number;
  readonly errorsOnly?: boolean;
}

function matches(event: EventView, filter: Filter): boolean {
  if (filter.namespace && event.key.namespace !== filter.namespace) return false;
  if (filter.kind && event.key.kind !== filter.kind) return false;
  if (filter.name && event.key.name !== filter.name) return false;
  if (filter.errorsOnly && event.type !== "Warning") return false;
  return true;
}

function eventId(e: EventView): string {
  return JSON.stringify([e.timestamp, e.key.kind, e.key.namespace, e.key.name, e.reason, e.message]);
}

/** Events matching the filter; an object named with --for must exist, so a typo is not an empty list. */
async function fetchEvents(session: Session, filter: Filter): Promise<EventView[]> {
  if (filter.object) await session.api().get(filter.object);
  const events = await session.api().events({
    ...(filter.object ? { object: filter.object } : {}),
    ...(filter.since !== undefined ? { since: filter.since } : {}),
    // The API limits before our namespace filter; ask for enough when filtering here.
    ...(filter.limit !== undefined && !filter.namespace && !filter.kind ? { limit: filter.limit } : {}),
  });
  const kept = events.filter((e) => matches(e, filter));
  return filter.limit !== undefined ? kept.slice(-filter.limit) : kept;
}

/**
 * Polls for newer events and hands each new one to `print` until Ctrl-C. Events of the same
 * millisecond as the last one seen are fetched again and dropped by identity.
 */
async function follow(session: Session, filter: Filter, seen: EventView[], print: (e: EventView[]) => void) {
  let since = seen.at(-1)?.timestamp ?? Date.now();
  const known = new Set(seen.filter((e) => e.timestamp === since).map(eventId));
  const watch = session.watchUntilInterrupted();
  while (!watch.stopped()) {
    await session.sleep(Math.max(session.pollMs, 1_000));
    if (watch.stopped()) break;
    const { limit: _limit, ...rest } = filter;
    const fresh = (await fetchEvents(session, { ...rest, since })).filter((e) => !known.has(eventId(e)));
    if (fresh.length === 0) continue;
    print(fresh);
    const last = fresh.at(-1)?.timestamp ?? since;
    if (last !== since) known.clear();
    since = last;
    for (const e of fresh) if (e.timestamp === since) known.add(eventId(e));
  }
}

function eventRows(session: Session, events: readonly EventView[], all: boolean): string[][] {
  const now = Date.now();
  return events.map((e) => [
    ...(all ? [e.key.namespace] : []),
    formatAge(now - e.timestamp),
    e.type === "Warning" ? paint(session.term, "yellow", e.type) : e.type,
    e.reason,
    `${e.key.kind}/${e.key.name}`,
    oneLine(e.message),
  ]);
}

function forFilter(session: Session, options: EventOptions): Filter {
  const limit = options.limit === undefined ? undefined : Number(options.limit);
  if (limit !== undefined && !(Number.isInteger(limit) && limit > 0))
    throw usageError(`--limit must be a whole number above 0, got '${options.limit}'`);
  const object = options.for ? parseObjectRef(options.for, session.namespace) : undefined;
  return {
    ...(object ? { object } : {}),
    ...(options.allNamespaces || object ? {} : { namespace: session.namespace }),
    ...(limit !== undefined ? { limit } : {}),
  };
}

async function events(session: Session, options: EventOptions): Promise<void> {
  const format = outputFormat(options.output);
  const filter = forFilter(session, options);
  const all = options.allNamespaces === true;
  const headers = [...(all ? ["NAMESPACE"] : []), "LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"];
  const list = await fetchEvents(session, filter);
  const print = (batch: EventView[], header: boolean) => {
    if (format === "json") session.term.out(batch.map((e) => `${JSON.stringify(e)}\n`).join(""));
    else if (format === "yaml") session.term.out(printStructured("yaml", batch));
    else session.term.out(renderTable(headers, eventRows(session, batch, all), { header }));
  };
  if (list.length === 0 && !options.watch) {
    session.log.warn(`no events found${filter.object ? ` for ${options.for}` : ""}`);
    return;
  }
  let headerShown = list.length > 0;
  if (format === "json" && !options.watch) session.term.out(printStructured("json", { items: list }));
  else if (list.length > 0) print(list, true);
  if (options.watch)
    await follow(session, filter, list, (batch) => {
      print(batch, !headerShown);
      headerShown = true;
    });
}

interface LogOptions {
  readonly kind?: string;
  readonly name?: string;
  readonly allNamespaces?: boolean;
  readonly level?: string;
  readonly since?: string;
  readonly tail?: string;
  readonly follow?: boolean;
}

/** One event as a log line: time, level, object, reason and message. */
export function logLine(e: EventView): string {
  const level = e.type === "Warning" ? "error" : "info";
  const message = e.message.replace(/\r?\n/g, "; ");
  return `${new Date(e.timestamp).toISOString()} ${level.padEnd(5)} ${e.key.kind}/${e.key.namespace}/${e.key.name} ${e.reason}: ${message}${e.revision ? ` (revision ${e.revision})` : ""}`;
}

async function logs(session: Session, options: LogOptions): Promise<void> {
  if (options.level && !["info", "error"].includes(options.level))
    throw usageError(`--level must be info or error, got '${options.level}'`);
  const tail = options.tail === undefined ? undefined : Number(options.tail);
  if (tail !== undefined && !(Number.isInteger(tail) && tail > 0))
    throw usageError(`--tail must be a whole number above 0, got '${options.tail}'`);
  let since: number | undefined;
  if (options.since) {
    try {
      since = Date.now() - parseDuration(options.since, "--since");
    } catch {
      throw usageError(`--since must be a duration such as 10m or 2h, got '${options.since}'`);
    }
  }
  const filter: Filter = {
    ...(options.kind ? { kind: kindInfo(options.kind).kind } : {}),
    ...(options.name ? { name: options.name } : {}),
    ...(options.allNamespaces ? {} : { namespace: session.namespace }),
    ...(since !== undefined ? { since } : {}),
    ...(tail !== undefined ? { limit: tail } : {}),
    ...(options.level === "error" ? { errorsOnly: true } : {}),
  };
  const list = await fetchEvents(session, filter);
  const print = (batch: readonly EventView[]) =>
    session.term.out(batch.map((e) => `${logLine(e)}\n`).join(""));
  print(list);
  if (options.follow) await follow(session, filter, list, print);
}

export function registerEvents(program: Command, deps: CliDeps): void {
  program
    .command("events")
    .description("show what happened to objects: runs, changes applied, failures")
    .option("--for <Kind/name>", "only this object's events (Kind/name or Kind/namespace/name)")
    .option("-A, --all-namespaces", "events of every namespace")
    .option("-w, --watch", "keep printing new events, until Ctrl-C")
    .option(
      "-o, --output <format>",
      "table, json ({items}; with --watch one event per line) or yaml",
      "table",
    )
    .option("--limit <count>", "only the newest events")
    .addHelpText(
      "after",
      `${examples(
        "sluice events --for Kustomization/apps",
        "sluice events -A --watch",
        "sluice events --for GitRepository/flux-system/podinfo -o json",
      )}\nEvents come from the local runtime's log (kept 7 days, 100 per object). A deployed stack\nsends them to its EventBridge bus instead, and this command says so.\n`,
    )
    .action(async (options: EventOptions, cmd: Command) => events(sessionOf(deps, cmd), options));

  program
    .command("logs")
    .description("the reconcile history as log lines (from the event log)")
    .option("--kind <kind>", "only objects of this kind")
    .option("--name <name>", "only objects with this name")
    .option("-A, --all-namespaces", "every namespace")
    .option("--level <level>", "info (everything) or error (failures only)")
    .option("--since <duration>", "only lines newer than this, e.g. 10m")
    .option("--tail <count>", "only the last lines")
    .option("-f, --follow", "keep printing new lines, until Ctrl-C")
    .addHelpText(
      "after",
      `${examples("sluice logs --kind Kustomization --level error --since 1h", "sluice logs -A -f")}\nsluice has no controllers and so no controller logs: every reconcile writes events, and this\nprints them as log lines. The process logs of \`sluice start\` go to its own stdout; on AWS, the\nfunctions log to CloudWatch Logs.\n`,
    )
    .action(async (options: LogOptions, cmd: Command) => logs(sessionOf(deps, cmd), options));
}
