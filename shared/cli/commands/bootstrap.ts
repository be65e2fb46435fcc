import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import type { RootSourceConfig } from "../../control/root-config.ts";
import { commitFiles } from "../bootstrap/commit-files.ts";
import { cdkArguments, readStackOutputs, runCdk } from "../bootstrap/deploy-stack.ts";
import { repoPath, rootManifestFiles } from "../bootstrap/root-manifests.ts";
import { setContext, updateConfig, useContext } from "../config-file.ts";
import { configPath, functionUrlRegion, loadConfig } from "../contexts.ts";
import { CliError, usageError } from "../errors.ts";
import type { ProgramHooks } from "../program.ts";
import type { CliDeps, GlobalOptions } from "../session.ts";
import { progress } from "../terminal.ts";
import { examples } from "./common.ts";

interface BootstrapOptions {
  url: string;
  branch: string;
  path: string;
  username?: string;
  password?: string;
  secretName?: string;
  local?: boolean;
  dataDir: string;
  port: string;
}

function rootOf(options: BootstrapOptions): RootSourceConfig {
  if (!/^https?:\/\//.test(options.url))
    throw usageError(
      `--url must be an http(s) Git URL, got '${options.url}'`,
      "sluice reaches Git over HTTPS",
    );
  return {
    url: options.url,
    branch: options.branch,
    path: `./${repoPath(options.path)}`,
    ...(options.secretName ? { secretName: options.secretName } : {}),
  };
}

/**
 * `sluice bootstrap git`, in the shape of `flux bootstrap git`: commit the root's description
 * into the repository (once: a second run changes nothing), then run sluice against it, either
 * deployed (`cdk deploy` with the root parameters) or here (`--local`).
 */
async function bootstrap(
  deps: CliDeps,
  hooks: ProgramHooks,
  options: BootstrapOptions,
  target: ContextTarget,
): Promise<number> {
  const log = progress(deps.term);
  const root = rootOf(options);
  const password = options.password ?? deps.env.GIT_PASSWORD;
  if (options.username && !password)
    throw usageError("--username needs a password", "pass --password or set GIT_PASSWORD");
  const auth = options.username && password ? { username: options.username, password } : undefined;
  log.doing(`writing the root to ${options.url} (${options.branch}, ${root.path})`);
  const result = await commitFiles({
    url: options.url,
    branch: options.branch,
    files: rootManifestFiles(root),
    message: "Add sluice root (gotk-sync.yaml)",
    ...(auth ? { auth } : {}),
  }).catch((error: unknown) => {
    throw new CliError("Failed", `cannot write to ${options.url}: ${(error as Error).message}`, {
      hint: "check the URL, the branch and --username/--password (a token with write access)",
    });
  });
  if (result.changed) log.done(`committed ${result.commit.slice(0, 12)} to ${options.branch}`);
  else log.done("the repository already holds this root: nothing to commit");

  if (options.local) {
    log.doing("starting sluice on this machine with that root");
    return hooks.start([
      "--data-dir",
      options.dataDir,
      "--port",
      options.port,
      "--root-url",
      root.url,
      "--root-branch",
      options.branch,
      "--root-path",
      root.path ?? "./",
      ...(root.secretName ? ["--root-secret", root.secretName] : []),
    ]);
  }
  if (auth && !root.secretName)
    log.warn(
      "sluice will read the repository anonymously: for a private one, store the credentials in Secrets Manager as <prefix>flux-system/<name> and pass --secret-name <name>",
    );
  log.doing("deploying the stack with cdk deploy (AWS credentials and region from the environment)");
  const scratch = await mkdtemp(join(tmpdir(), "sluice-cdk-"));
  try {
    const outputsFile = join(scratch, "outputs.json");
    const code = await runCdk(cdkArguments("deploy", root, outputsFile), deps.env);
    if (code !== 0)
      throw new CliError("Failed", `cdk deploy exited with ${code}`, {
        hint: "its output above says why; `sluice check --pre` checks credentials and region",
      });
    const outputs = await readStackOutputs(outputsFile);
    await pointContextAtStack(deps, target, outputs);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  return 0;
}

/** Where bootstrap writes the context: the global --context and --config, when given. */
interface ContextTarget {
  readonly name?: string;
  readonly configFile: string;
}

/**
 * Leaves the CLI talking to the stack it just deployed: a context named --context (else
 * `sluice-<region>`) with the ApiUrl, made current. The deploy has succeeded by then, so a
 * context that cannot be written is a warning with the command to run, not a failure.
 */
async function pointContextAtStack(
  deps: CliDeps,
  target: ContextTarget,
  outputs: Readonly<Record<string, string>> | undefined,
): Promise<void> {
  const log = progress(deps.term);
  const apiUrl = outputs?.ApiUrl;
  const region = apiUrl
    ? (functionUrlRegion(apiUrl) ?? deps.env.AWS_REGION ?? deps.env.AWS_DEFAULT_REGION)
    : undefined;
  const name = target.name ?? (region ? `sluice-${region}` : undefined);
  const manual = `sluice config set-context ${name ?? "<name>"} --url ${apiUrl ?? "<ApiUrl>"}${apiUrl && !region ? " --region <region>" : ""} --current`;
  if (!apiUrl || !region || !name) {
    log.warn(
      apiUrl
        ? `cannot tell the stack's region from its ApiUrl ${apiUrl}: no context was written`
        : "cdk deploy gave no ApiUrl output: no context was written",
    );
    log.warn(`point one at the stack with \`${manual}\` (the ApiUrl is among the stack's outputs)`);
  } else {
    const profile = deps.env.AWS_PROFILE;
    try {
      await updateConfig(target.configFile, (doc) => {
        setContext(doc, name, { url: apiUrl, region, ...(profile ? { profile } : {}) });
        useContext(doc, name);
      });
      log.done(`context ${name} now points at ${apiUrl}`);
    } catch (error) {
      if (!(error instanceof CliError)) throw error;
      log.warn(`no context was written: ${error.message}`);
      log.warn(`fix that, then run \`${manual}\``);
    }
  }
  const webhookUrl = outputs?.WebhookUrl;
  if (webhookUrl)
    log.done(`webhooks: ${webhookUrl.replace(/\/+$/, "")} followed by a Receiver's status.webhookPath`);
  log.done("deployed: run `sluice get all -A`");
}

interface UninstallOptions {
  local?: boolean;
  dataDir: string;
  silent?: boolean;
}

async function uninstall(deps: CliDeps, options: UninstallOptions, configFile: string) {
  const log = progress(deps.term);
  const what = options.local ? `the local installation in ${resolve(options.dataDir)}` : "the deployed stack";
  if (!options.silent) {
    if (!deps.term.interactive || !deps.term.ask)
      throw usageError("refusing to uninstall without confirmation", "pass --silent from a script");
    const answer = await deps.term.ask(`remove ${what}? objects in clusters are kept [y/N] `);
    if (!/^y(es)?$/i.test(answer.trim())) {
      log.warn("nothing removed");
      return;
    }
  }
  if (options.local) {
    await rm(resolve(options.dataDir), { recursive: true, force: true });
    log.done(`removed ${what}; what it applied stays in the clusters`);
    return;
  }
  log.doing("destroying the stack with cdk destroy");
  const code = await runCdk(cdkArguments("destroy"), deps.env);
  if (code !== 0)
    throw new CliError("Failed", `cdk destroy exited with ${code}`, { hint: "its output above says why" });
  log.done(
    "the stack is gone; what it applied stays in the clusters, and the retained bucket and table stay too",
  );
  // The context bootstrap wrote now points at nothing; removing it is the user's call.
  const config = loadConfig(configFile);
  const current = config.contexts.find((c) => c.name === config.currentContext);
  if (current?.aws)
    log.warn(
      `the current context ${current.name} pointed at a stack: remove it with \`sluice config delete-context ${current.name}\``,
    );
}

export function registerBootstrap(
  program: Command,
  deps: CliDeps,
  hooks: ProgramHooks,
  setExitCode: (code: number) => void,
): void {
  const boot = program
    .command("bootstrap")
    .description("write the root configuration into a repository and run sluice on it")
    .addHelpText(
      "after",
      examples("sluice bootstrap git --url https://github.com/acme/fleet.git --path ./clusters/prod"),
    );
  boot
    .command("git")
    .description("bootstrap from a Git repository over HTTPS")
    .requiredOption("--url <url>", "the repository (https://…)")
    .option("--branch <branch>", "the branch to sync", "main")
    .option("--path <path>", "the folder with this cluster's configuration", "./")
    .option("--username <name>", "for pushing (and reading, locally)")
    .option("--password <secret>", "for pushing; default $GIT_PASSWORD")
    .option("--secret-name <name>", "the secret flux-system/<name> sluice reads the repository with")
    .option("--local", "run sluice on this machine instead of deploying the stack")
    .option("--data-dir <dir>", "with --local: where sluice keeps its state", ".sluice")
    .option("--port <port>", "with --local: the API port", "9292")
    .addHelpText(
      "after",
      `${examples(
        "sluice bootstrap git --url https://github.com/acme/fleet.git --path ./clusters/prod --username git --password $TOKEN",
        "sluice bootstrap git --url http://127.0.0.1:8080/fleet.git --path ./clusters/dev --local",
      )}\nAfter a deploy, the context --context (default sluice-<region>) points at the stack's ApiUrl\nand is the current one.\n`,
    )
    .action(async (options: BootstrapOptions, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      const target = {
        configFile: globals.config ?? configPath(deps.env),
        ...(globals.context ? { name: globals.context } : {}),
      };
      setExitCode(await bootstrap(deps, hooks, options, target));
    });

  program
    .command("uninstall")
    .description("remove sluice (the stack, or with --local the local state); applied objects stay")
    .option("--local", "remove the local runtime's data folder instead of the stack")
    .option("--data-dir <dir>", "with --local: the data folder", ".sluice")
    .option("-s, --silent", "do not ask for confirmation")
    .addHelpText(
      "after",
      examples("sluice uninstall --silent", "sluice uninstall --local --data-dir ./.sluice"),
    )
    .action(async (options: UninstallOptions, cmd: Command) =>
      uninstall(deps, options, cmd.optsWithGlobals<GlobalOptions>().config ?? configPath(deps.env)),
    );
}
