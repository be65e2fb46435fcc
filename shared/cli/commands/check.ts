import type { Command } from "commander";
import { type CheckResult, checkApi, checkAws, checkCluster, checkNode, checkTools } from "../check.ts";
import { EXIT } from "../errors.ts";
import type { CliDeps, Session } from "../session.ts";
import { paint } from "../terminal.ts";
import { examples, sessionOf } from "./common.ts";

async function check(session: Session, pre: boolean): Promise<number> {
  const print = (r: CheckResult) => {
    const mark = r.ok ? paint(session.term, "green", "✔") : paint(session.term, "red", "✗");
    session.term.out(`${mark} ${r.text}\n`);
    if (!r.ok && r.fix) session.term.out(`  fix: ${r.fix}\n`);
  };
  session.term.out(`${paint(session.term, "blue", "►")} checking prerequisites\n`);
  const results: CheckResult[] = [];
  const add = (list: CheckResult[]) => {
    for (const r of list) {
      print(r);
      results.push(r);
    }
  };
  add([checkNode()]);
  add(await checkTools(session));
  let context: ReturnType<Session["context"]> | undefined;
  try {
    context = session.context();
  } catch (error) {
    add([{ ok: false, text: (error as Error).message, fix: "fix the context name or the config file" }]);
  }
  if (context) add(await checkAws(context));
  add([await checkCluster(session)]);
  if (!pre) {
    session.term.out(`${paint(session.term, "blue", "►")} checking the sluice API\n`);
    add([await checkApi(session)]);
  }
  const failed = results.filter((r) => !r.ok).length;
  if (failed === 0) session.term.out(`${paint(session.term, "green", "✔")} all checks passed\n`);
  else
    session.term.out(`${paint(session.term, "red", "✗")} ${failed} check${failed === 1 ? "" : "s"} failed\n`);
  return failed === 0 ? EXIT.ok : EXIT.failed;
}

export function registerCheck(program: Command, deps: CliDeps, setExitCode: (code: number) => void): void {
  program
    .command("check")
    .description("check that this machine, AWS and the target cluster are ready for sluice")
    .option("--pre", "only the prerequisites: Node.js, kubectl/helm, AWS credentials, the cluster")
    .addHelpText(
      "after",
      `${examples("sluice check --pre", "sluice check --context prod")}\nEach line is ✔ or ✗; a ✗ says how to fix it. Exit code 1 when any check failed.\n`,
    )
    .action(async (options: { pre?: boolean }, cmd: Command) =>
      setExitCode(await check(sessionOf(deps, cmd), options.pre === true)),
    );
}
