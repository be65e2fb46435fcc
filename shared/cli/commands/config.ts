import { isAbsolute, resolve } from "node:path";
import type { Command } from "commander";
import { deleteContext, setContext, updateConfig, useContext } from "../config-file.ts";
import { type CliConfig, configPath, loadConfig } from "../contexts.ts";
import { CliError, usageError } from "../errors.ts";
import { printStructured } from "../output/manifest.ts";
import { renderTable } from "../output/table.ts";
import type { CliDeps, GlobalOptions } from "../session.ts";
import { progress } from "../terminal.ts";
import { examples } from "./common.ts";

interface SetContextOptions {
  readonly url?: string;
  readonly region?: string;
  readonly profile?: string;
  readonly kubeconfig?: string;
  readonly current?: boolean;
}

/** `--config`, else $SLUICE_CONFIG, $XDG_CONFIG_HOME or ~/.config. */
function pathOf(deps: CliDeps, cmd: Command): string {
  return cmd.optsWithGlobals<GlobalOptions>().config ?? configPath(deps.env);
}

function format<T extends string>(value: unknown, allowed: readonly T[]): T {
  const text = typeof value === "string" ? value : allowed[0];
  if (!allowed.includes(text as T))
    throw usageError(`-o/--output must be one of ${allowed.join(", ")}, got '${text}'`);
  return text as T;
}

/** The file's own shape (what `config view` prints): the keys a user writes. */
function fileShape(config: CliConfig): Record<string, unknown> {
  return {
    ...(config.currentContext ? { "current-context": config.currentContext } : {}),
    contexts: config.contexts,
  };
}

/** Stored as an absolute path: a later command may run from another folder. `~/…` stays as written. */
function kubeconfigPath(file: string | undefined, cwd: string): string | undefined {
  if (file === undefined || file === "" || file.startsWith("~") || isAbsolute(file)) return file;
  return resolve(cwd, file);
}

const ADD_HINT = "add one with `sluice config set-context <name> --url <url> --current`";

function getContexts(deps: CliDeps, path: string, output: unknown): void {
  const log = progress(deps.term);
  const config = loadConfig(path);
  const how = format(output, ["table", "json", "yaml", "name"] as const);
  if (how === "name") {
    deps.term.out(config.contexts.map((c) => `${c.name}\n`).join(""));
    return;
  }
  if (how !== "table") {
    const list = config.contexts.map((c) => ({ ...c, current: c.name === config.currentContext }));
    deps.term.out(printStructured(how, list));
    return;
  }
  if (config.contexts.length === 0) {
    log.warn(`no contexts in ${path}: commands go to the local runtime; ${ADD_HINT}`);
    return;
  }
  deps.term.out(
    renderTable(
      ["CURRENT", "NAME", "URL", "AWS REGION", "PROFILE", "KUBECONFIG"],
      config.contexts.map((c) => [
        c.name === config.currentContext ? "*" : "",
        c.name,
        c.url,
        c.aws?.region ?? "-",
        c.aws?.profile ?? "-",
        c.kubeconfig ?? "-",
      ]),
    ),
  );
}

function currentContext(deps: CliDeps, path: string): void {
  const config = loadConfig(path);
  if (!config.currentContext)
    throw new CliError("NotFound", `no current context is set in ${path}`, {
      hint:
        config.contexts.length > 0
          ? `choose one with \`sluice config use-context <name>\` (${config.contexts.map((c) => c.name).join(", ")})`
          : ADD_HINT,
    });
  deps.term.out(`${config.currentContext}\n`);
  const override = deps.env.SLUICE_CONTEXT;
  if (override && override !== config.currentContext)
    progress(deps.term).warn(`SLUICE_CONTEXT=${override} overrides it for other commands`);
}

async function setContextCommand(
  deps: CliDeps,
  path: string,
  name: string,
  options: SetContextOptions,
): Promise<void> {
  const kubeconfig = kubeconfigPath(options.kubeconfig, deps.cwd);
  const outcome = await updateConfig(path, (doc) => {
    const result = setContext(doc, name, {
      ...(options.url !== undefined ? { url: options.url } : {}),
      ...(options.region !== undefined ? { region: options.region } : {}),
      ...(options.profile !== undefined ? { profile: options.profile } : {}),
      ...(kubeconfig !== undefined ? { kubeconfig } : {}),
    });
    if (options.current) useContext(doc, name);
    return result;
  });
  progress(deps.term).done(
    `context ${name} ${outcome}${options.current ? " and made current" : ""} in ${path}`,
  );
}

export function registerConfig(program: Command, deps: CliDeps): void {
  const config = program
    .command("config")
    .description("list and edit the contexts (where commands go) in the config file")
    .addHelpText(
      "after",
      `${examples(
        "sluice config set-context prod --url https://abc123.lambda-url.eu-west-1.on.aws --profile ops --current",
        "sluice config get-contexts",
        "sluice config use-context local",
      )}\nThe file is --config, else $SLUICE_CONFIG, else $XDG_CONFIG_HOME/sluice/config.yaml or\n~/.config/sluice/config.yaml. Edits keep its comments and any keys sluice does not know.\n`,
    );

  config
    .command("get-contexts")
    .description("list the contexts; * marks the current one")
    .option("-o, --output <format>", "table, json, yaml or name", "table")
    .addHelpText("after", examples("sluice config get-contexts", "sluice config get-contexts -o name"))
    .action((options: { output?: string }, cmd: Command) =>
      getContexts(deps, pathOf(deps, cmd), options.output),
    );

  config
    .command("current-context")
    .description("print the current context's name")
    .addHelpText("after", examples("sluice config current-context"))
    .action((_options: unknown, cmd: Command) => currentContext(deps, pathOf(deps, cmd)));

  config
    .command("use-context")
    .description("make a context the current one")
    .argument("<name>", "the context")
    .addHelpText("after", examples("sluice config use-context prod"))
    .action(async (name: string, _options: unknown, cmd: Command) => {
      const path = pathOf(deps, cmd);
      await updateConfig(path, (doc) => useContext(doc, name));
      progress(deps.term).done(`switched to context ${name}`);
    });

  config
    .command("set-context")
    .description("create a context, or change the given fields of an existing one")
    .argument("<name>", "the context")
    .option("--url <url>", "the API: the local runtime, or the stack's ApiUrl output (needed for a new one)")
    .option("--region <region>", "sign requests for this AWS region (default: the function URL's)")
    .option("--profile <profile>", "the AWS profile to sign with (default AWS_PROFILE)")
    .option("--kubeconfig <file>", "the context's cluster for diff, trace and check")
    .option("--current", "also make it the current context")
    .addHelpText(
      "after",
      `${examples(
        "sluice config set-context prod --url https://abc123.lambda-url.eu-west-1.on.aws --profile ops",
        "sluice config set-context local --url http://127.0.0.1:9292 --current",
        "sluice config set-context prod --kubeconfig ~/.kube/prod",
      )}\nA function URL (https://<id>.lambda-url.<region>.on.aws) names its region, so requests to it\nare signed (SigV4) without --region.\n`,
    )
    .action(async (name: string, _options: unknown, cmd: Command) =>
      // optsWithGlobals: --kubeconfig is also a global option, and commander gives it to the program.
      setContextCommand(deps, pathOf(deps, cmd), name, cmd.optsWithGlobals<SetContextOptions>()),
    );

  config
    .command("delete-context")
    .description("remove a context (and current-context, when it is that one)")
    .argument("<name>", "the context")
    .addHelpText("after", examples("sluice config delete-context staging"))
    .action(async (name: string, _options: unknown, cmd: Command) => {
      const path = pathOf(deps, cmd);
      const { wasCurrent } = await updateConfig(path, (doc) => deleteContext(doc, name));
      const log = progress(deps.term);
      log.done(`deleted context ${name} from ${path}`);
      if (wasCurrent)
        log.warn(
          "it was the current one: commands now go to the local runtime until `sluice config use-context <name>`",
        );
    });

  config
    .command("view")
    .description("print the config file as sluice reads it (validated and normalised)")
    .option("-o, --output <format>", "yaml or json", "yaml")
    .addHelpText("after", examples("sluice config view", "sluice config view -o json --config ./ci.yaml"))
    .action((options: { output?: string }, cmd: Command) => {
      const how = format(options.output, ["yaml", "json"] as const);
      deps.term.out(printStructured(how, fileShape(loadConfig(pathOf(deps, cmd)))));
    });
}
