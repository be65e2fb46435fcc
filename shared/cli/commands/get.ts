import type { Command } from "commander";
import type { ObjectView } from "../api-client.ts";
import { KINDS, type KindInfo, SOURCE_KINDS } from "../kinds.ts";
import { listOf, type OutputFormat, printStructured, toManifest } from "../output/manifest.ts";
import { summarize } from "../output/status.ts";
import { renderTable } from "../output/table.ts";
import type { CliDeps, Session } from "../session.ts";
import { matchesStatus, parseStatusSelector, type StatusSelector } from "../status-selector.ts";
import { examples, keyOf, outputFormat, sessionOf } from "./common.ts";

interface GetOptions {
  readonly allNamespaces?: boolean;
  readonly output?: string;
  readonly watch?: boolean;
  readonly header?: boolean;
  readonly statusSelector?: string;
}

interface Query {
  readonly kinds: readonly KindInfo[];
  /** Prefix names with `kind/`: several kinds in one table, as `get all` shows them. */
  readonly qualified: boolean;
  readonly name?: string;
  /** Only objects whose condition matches (`--status-selector ready=false`). */
  readonly selector?: StatusSelector;
}

function row(view: ObjectView, kind: KindInfo, query: Query, all: boolean): string[] {
  const s = summarize(view);
  const name = query.qualified ? `${kind.kind.toLowerCase()}/${view.name}` : view.name;
  return [
    ...(all ? [view.namespace] : []),
    name,
    ...(kind.hasRevision ? [s.revision] : []),
    ...(kind.statusColumn ? [String(view.status[kind.statusColumn.field] ?? "")] : []),
    s.suspended ? "True" : "False",
    s.ready,
    s.message,
  ];
}

function headers(kind: KindInfo, all: boolean): string[] {
  return [
    ...(all ? ["NAMESPACE"] : []),
    "NAME",
    ...(kind.hasRevision ? ["REVISION"] : []),
    ...(kind.statusColumn ? [kind.statusColumn.header] : []),
    "SUSPENDED",
    "READY",
    "MESSAGE",
  ];
}

async function fetchViews(session: Session, query: Query, all: boolean): Promise<ObjectView[]> {
  const { selector } = query;
  const wanted = (view: ObjectView) => selector === undefined || matchesStatus(view, selector);
  const namespace = all ? undefined : session.namespace;
  if (query.name) {
    const [kind] = query.kinds;
    return kind ? [await session.api().get(keyOf(kind, session.namespace, query.name))].filter(wanted) : [];
  }
  const views = await session.api().list(namespace ? { namespace } : {});
  const order = new Map(query.kinds.map((k, i) => [k.kind, i]));
  return views
    .filter((v) => order.has(v.kind) && wanted(v))
    .sort(
      (a, b) =>
        (order.get(a.kind) ?? 0) - (order.get(b.kind) ?? 0) ||
        a.namespace.localeCompare(b.namespace) ||
        a.name.localeCompare(b.name),
    );
}

/** Tables per kind, one after the other, each with its own header (kinds differ in columns). */
function tables(views: readonly ObjectView[], query: Query, all: boolean, header: boolean): string {
  const sections: string[] = [];
  for (const kind of query.kinds) {
    const mine = views.filter((v) => v.kind === kind.kind);
    if (mine.length === 0) continue;
    sections.push(
      renderTable(
        headers(kind, all),
        mine.map((v) => row(v, kind, query, all)),
        { header },
      ),
    );
  }
  return sections.join("\n");
}

function structured(views: readonly ObjectView[], query: Query, format: "json" | "yaml"): string {
  const manifests = views.map((v) => toManifest(v, { status: true }));
  // A named object the status selector left out is an empty list, so a script still reads a document.
  const [only] = manifests;
  return printStructured(format, query.name && only ? only : listOf(manifests));
}

async function run(session: Session, unfiltered: Query, options: GetOptions): Promise<void> {
  const all = options.allNamespaces === true;
  // Checked before the API is asked anything: a malformed selector is a usage error (exit 2).
  const query: Query =
    options.statusSelector === undefined
      ? unfiltered
      : { ...unfiltered, selector: parseStatusSelector(options.statusSelector) };
  if (options.output === "name") {
    // `kind/name` lines: what shell completion and scripts iterate over.
    const views = await fetchViews(session, query, all);
    session.term.out(views.map((v) => `${v.kind.toLowerCase()}/${v.name}\n`).join(""));
    return;
  }
  const format: OutputFormat = outputFormat(options.output, ["table", "json", "yaml", "name"]);
  const views = await fetchViews(session, query, all);
  if (format !== "table") session.term.out(structured(views, query, format));
  else if (views.length > 0) session.term.out(tables(views, query, all, options.header !== false));
  else {
    const what = query.kinds.length === 1 ? `${query.kinds[0]?.kind} objects` : "objects";
    const matching = options.statusSelector === undefined ? "" : ` matching ${options.statusSelector}`;
    session.log.warn(`no ${what}${matching} found${all ? "" : ` in namespace ${session.namespace}`}`);
  }
  if (options.watch) await watch(session, query, views, format, all);
}

function fingerprint(view: ObjectView): string {
  const s = summarize(view);
  return JSON.stringify([s.revision, s.suspended, s.ready, s.message, view.generation]);
}

/**
 * Polls and prints a row (a JSON line with -o json) for every object that changed, until Ctrl-C,
 * as `kubectl get --watch` does.
 */
async function watch(
  session: Session,
  query: Query,
  first: readonly ObjectView[],
  format: OutputFormat,
  all: boolean,
): Promise<void> {
  const seen = new Map(first.map((v) => [`${v.kind}/${v.namespace}/${v.name}`, fingerprint(v)]));
  const watch = session.watchUntilInterrupted();
  while (!watch.stopped()) {
    await session.sleep(Math.max(session.pollMs, 1_000));
    if (watch.stopped()) break;
    const views = await fetchViews(session, query, all);
    for (const view of views) {
      const id = `${view.kind}/${view.namespace}/${view.name}`;
      const print = fingerprint(view);
      if (seen.get(id) === print) continue;
      seen.set(id, print);
      const kind = KINDS.find((k) => k.kind === view.kind);
      if (!kind) continue;
      if (format === "json") session.term.out(`${JSON.stringify(toManifest(view, { status: true }))}\n`);
      else if (format === "yaml")
        session.term.out(printStructured("yaml", [toManifest(view, { status: true })]));
      else
        session.term.out(renderTable(headers(kind, all), [row(view, kind, query, all)], { header: false }));
    }
  }
}

function withGetOptions(command: Command): Command {
  return command
    .option("-A, --all-namespaces", "list objects in every namespace")
    .option("-o, --output <format>", "table, json, yaml or name", "table")
    .option("-w, --watch", "keep printing objects as they change, until Ctrl-C")
    .option(
      "--status-selector <condition=status>",
      "only objects whose condition has this status, e.g. ready=false, ready=unknown, stalled=true",
    )
    .option("--no-header", "leave out the table header");
}

export function registerGet(program: Command, deps: CliDeps): void {
  const get = program
    .command("get")
    .description("show objects and their status: revision, suspension, readiness")
    .addHelpText(
      "after",
      examples(
        "sluice get kustomizations -A",
        "sluice get sources git -n flux-system",
        "sluice get all -A --status-selector ready=false",
        "sluice get all -o json",
      ),
    );

  const single = (command: Command, kind: KindInfo, example: string) =>
    withGetOptions(command.argument("[name]", "only this object"))
      .addHelpText("after", examples(example))
      .action(async (name: string | undefined, options: GetOptions, cmd: Command) =>
        run(sessionOf(deps, cmd), { kinds: [kind], qualified: false, ...(name ? { name } : {}) }, options),
      );

  const byKind = (name: string) => KINDS.find((k) => k.kind === name) as KindInfo;
  single(
    get.command("kustomizations").alias("ks").alias("kustomization").description("show Kustomizations"),
    byKind("Kustomization"),
    "sluice get ks -A --watch",
  );
  single(
    get.command("helmreleases").alias("hr").description("show HelmReleases"),
    byKind("HelmRelease"),
    "sluice get hr -n apps",
  );
  single(
    get.command("receivers").alias("receiver").description("show Receivers"),
    byKind("Receiver"),
    "sluice get receivers",
  );
  single(
    get.command("alerts").alias("alert").description("show Alerts"),
    byKind("Alert"),
    "sluice get alerts",
  );
  single(
    get.command("alert-providers").alias("alert-provider").description("show alert Providers"),
    byKind("Provider"),
    "sluice get alert-providers",
  );

  const sources = get
    .command("sources")
    .alias("source")
    .description("show sources: all, git, bucket, oci, helm, chart")
    .addHelpText("after", examples("sluice get sources all -A", "sluice get sources git podinfo -o yaml"));
  withGetOptions(sources.command("all").description("show every kind of source"))
    .addHelpText("after", examples("sluice get sources all -A"))
    .action(async (options: GetOptions, cmd: Command) =>
      run(sessionOf(deps, cmd), { kinds: SOURCE_KINDS, qualified: true }, options),
    );
  for (const kind of SOURCE_KINDS) {
    const word = kind.command[1] as string;
    single(
      sources.command(word).description(`show ${kind.kind} sources`),
      kind,
      `sluice get sources ${word} -A`,
    );
  }

  withGetOptions(get.command("all").description("show every object: sources, Kustomizations, notifications"))
    .addHelpText("after", examples("sluice get all", "sluice get all -A -o yaml"))
    .action(async (options: GetOptions, cmd: Command) =>
      run(sessionOf(deps, cmd), { kinds: KINDS, qualified: true }, options),
    );
}
