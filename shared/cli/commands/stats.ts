import type { Command } from "commander";
import type { ObjectView } from "../api-client.ts";
import { KINDS, type KindInfo } from "../kinds.ts";
import { printStructured } from "../output/manifest.ts";
import { readyCondition } from "../output/status.ts";
import { renderTable } from "../output/table.ts";
import type { CliDeps, Session } from "../session.ts";
import { examples, outputFormat, sessionOf } from "./common.ts";

/** One kind's line of `sluice stats`. */
export interface KindStats {
  readonly kind: string;
  readonly total: number;
  /** Not suspended, whatever their last result: Flux counts a failing object as running too. */
  readonly running: number;
  /** Ready=False, suspended or not. */
  readonly failing: number;
  readonly suspended: number;
  /** The sum of status.artifact.size; null for kinds that store no artifacts. */
  readonly storageBytes: number | null;
}

function artifactSize(view: ObjectView): number {
  const size = (view.status.artifact as { size?: unknown } | undefined)?.size;
  return typeof size === "number" && Number.isFinite(size) && size > 0 ? size : 0;
}

/** Counts per kind, in `kinds` order, every kind listed even with no objects (as `flux stats`). */
export function countStats(views: readonly ObjectView[], kinds: readonly KindInfo[] = KINDS): KindStats[] {
  return kinds.map((kind) => {
    const mine = views.filter((v) => v.kind === kind.kind);
    const suspended = mine.filter((v) => v.suspended).length;
    return {
      kind: kind.kind,
      total: mine.length,
      running: mine.length - suspended,
      failing: mine.filter((v) => readyCondition(v)?.status === "False").length,
      suspended,
      storageBytes: kind.isSource ? mine.reduce((sum, v) => sum + artifactSize(v), 0) : null,
    };
  });
}

/** `512 B`, `1.5 KiB`, `20 MiB`: binary units, one decimal at most. */
export function formatStorage(bytes: number | null): string {
  if (bytes === null || bytes === 0) return "-";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : Math.round(value * 10) / 10} ${units[unit]}`;
}

export function renderStats(stats: readonly KindStats[]): string {
  return renderTable(
    ["RECONCILERS", "RUNNING", "FAILING", "SUSPENDED", "STORAGE"],
    stats.map((s) => [
      s.kind,
      String(s.running),
      String(s.failing),
      String(s.suspended),
      formatStorage(s.storageBytes),
    ]),
  );
}

interface StatsOptions {
  readonly allNamespaces?: boolean;
  readonly output?: string;
}

async function run(session: Session, options: StatsOptions): Promise<void> {
  const format = outputFormat(options.output, ["table", "json", "yaml"]);
  const everywhere = options.allNamespaces === true;
  const views = await session.api().list(everywhere ? {} : { namespace: session.namespace });
  const stats = countStats(views);
  if (format === "table") session.term.out(renderStats(stats));
  else
    session.term.out(
      printStructured(format, { namespace: everywhere ? null : session.namespace, items: stats }),
    );
}

export function registerStats(program: Command, deps: CliDeps): void {
  program
    .command("stats")
    .description("count objects per kind: running, failing, suspended, and the storage sources use")
    .option("-A, --all-namespaces", "count objects in every namespace")
    .option("-o, --output <format>", "table, json or yaml", "table")
    .addHelpText("after", examples("sluice stats", "sluice stats -A", "sluice stats -n apps -o json"))
    .action(async (options: StatsOptions, cmd: Command) => run(sessionOf(deps, cmd), options));
}
