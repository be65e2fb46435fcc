import { readFileSync } from "node:fs";
import { Command } from "commander";
import { registerBootstrap } from "./commands/bootstrap.ts";
import { registerBuild } from "./commands/build.ts";
import { registerCheck } from "./commands/check.ts";
import { examples } from "./commands/common.ts";
import { registerConfig } from "./commands/config.ts";
import { registerCreate } from "./commands/create.ts";
import { registerDelete } from "./commands/delete.ts";
import { registerDiff } from "./commands/diff.ts";
import { registerEvents } from "./commands/events.ts";
import { registerExport } from "./commands/export.ts";
import { registerGet } from "./commands/get.ts";
import { registerReconcile } from "./commands/reconcile.ts";
import { registerStats } from "./commands/stats.ts";
import { registerSuspend } from "./commands/suspend.ts";
import { registerTrace } from "./commands/trace.ts";
import { registerTree } from "./commands/tree.ts";
import { bashCompletion, zshCompletion } from "./completion.ts";
import { usageError } from "./errors.ts";
import type { CliDeps } from "./session.ts";

export const VERSION = (
  JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }
).version;

export function versionLine(): string {
  return `sluice ${VERSION} (Node.js ${process.versions.node})`;
}

export interface ProgramHooks {
  /** Runs `sluice start` with these arguments (see main.ts and start-command.ts). */
  readonly start: (args: readonly string[]) => Promise<number>;
}

export interface BuiltProgram {
  readonly program: Command;
  /** The exit code a command asked for without failing (diff: 1 when it differs). */
  readonly exitCode: () => number;
}

const CONFIG_HELP = `
Where commands go: --api-url, else --context (or SLUICE_CONTEXT), else current-context in
$SLUICE_CONFIG or ~/.config/sluice/config.yaml, else the local runtime at http://127.0.0.1:9292.

  current-context: prod
  contexts:
    - name: local
      url: http://127.0.0.1:9292
    - name: prod
      url: https://abc123.lambda-url.eu-west-1.on.aws   # the stack's ApiUrl output
      aws: { region: eu-west-1, profile: ops }        # requests are signed (SigV4)
      kubeconfig: ~/.kube/prod                        # for diff, trace and check

Edit it with \`sluice config set-context prod --url <ApiUrl> --current\` (and get-contexts,
use-context, delete-context, view); \`sluice bootstrap git\` adds one for the stack it deploys.

Exit codes: 0 ok, 1 failed (or differs, for diff), 2 usage error.
`;

/**
 * The `sluice` command tree. Output and environment come from `deps`, so the same program runs
 * in main.ts and in tests.
 */
export function buildProgram(deps: CliDeps, hooks: ProgramHooks): BuiltProgram {
  let exitCode = 0;
  const setExitCode = (code: number) => {
    exitCode = code;
  };
  const program = new Command("sluice")
    .description("GitOps continuous delivery for Kubernetes on AWS Lambda, with Flux's objects")
    .option("--context <name>", "the context (API and credentials) from the config file")
    .option("--api-url <url>", "talk to this API instead of the context's")
    .option("--config <file>", "the config file (default $SLUICE_CONFIG or ~/.config/sluice/config.yaml)")
    .option("-n, --namespace <namespace>", "the objects' namespace", "flux-system")
    .option("--kubeconfig <file>", "the cluster for diff, trace and check (default KUBECONFIG)")
    .option("--timeout <duration>", "how long to wait for results", "5m")
    .option("--verbose", "more detail, and stack traces on failures")
    .option("--no-color", "no colours, even on a terminal")
    .version(versionLine(), "-v, --version", "print the version")
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => deps.term.out(text),
      writeErr: (text) => deps.term.err(text),
      // One line, then main.ts adds the hint; commander's own "error: " prefix is dropped.
      outputError: () => {},
    })
    .addHelpText(
      "after",
      `${examples("sluice get all -A", "sluice reconcile ks apps --with-source", "sluice check --pre")}${CONFIG_HELP}`,
    );

  registerGet(program, deps);
  registerStats(program, deps);
  registerReconcile(program, deps);
  registerSuspend(program, deps);
  registerCreate(program, deps);
  registerDelete(program, deps);
  registerEvents(program, deps);
  registerTree(program, deps);
  registerTrace(program, deps);
  registerBuild(program, deps);
  registerDiff(program, deps, setExitCode);
  registerExport(program, deps);
  registerCheck(program, deps, setExitCode);
  registerConfig(program, deps);
  registerBootstrap(program, deps, hooks, setExitCode);

  program
    .command("completion")
    .description("print a shell completion script")
    .argument("<shell>", "bash or zsh")
    .addHelpText(
      "after",
      examples("source <(sluice completion bash)", "sluice completion zsh > ~/.zfunc/_sluice"),
    )
    .action((shell: string) => {
      if (shell === "bash") deps.term.out(bashCompletion(program));
      else if (shell === "zsh") deps.term.out(zshCompletion(program));
      else throw usageError(`no completion for '${shell}'`, "use bash or zsh");
    });

  program
    .command("start")
    .description("run sluice on this machine until Ctrl-C (scheduler, worker, HTTP API)")
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .addHelpText("after", examples("sluice start --data-dir ./.sluice --port 9292", "sluice start help"))
    .action(async (_options: unknown, cmd: Command) => setExitCode(await hooks.start(cmd.args)));

  program
    .command("version")
    .description("print the version")
    .addHelpText("after", examples("sluice version"))
    .action(() => deps.term.out(`${versionLine()}\n`));

  return { program, exitCode: () => exitCode };
}
