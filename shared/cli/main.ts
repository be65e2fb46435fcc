#!/usr/bin/env node
import { createInterface } from "node:readline/promises";
import { type Command, CommanderError } from "commander";
import { CliError, EXIT } from "./errors.ts";
import { buildProgram } from "./program.ts";
import { runStart, START_FLAGS } from "./start-command.ts";
import { paint, type Terminal, wantsColour } from "./terminal.ts";

/** `sluice start`: its own flag parsing and signal handling, since it runs until Ctrl-C. */
async function start(args: readonly string[], term: Terminal): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    term.out(
      `Usage: sluice start [flags]\n\n${START_FLAGS}\nExample:\n  npm start -- --data-dir /tmp/sluice --port 9393\n`,
    );
    return EXIT.ok;
  }
  try {
    // Resolves once everything is up; the servers keep the process alive until Ctrl-C.
    await runStart(args);
    return EXIT.ok;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (error instanceof CliError) report(term, error.message, error.hint ?? "see `sluice start --help`");
    else if (code?.startsWith("ERR_PARSE_ARGS"))
      report(term, (error as Error).message, "see `sluice start --help`");
    else if (code === "EADDRINUSE")
      report(term, (error as Error).message, "that port is taken; choose another with --port");
    else report(term, error instanceof Error ? error.message : String(error), undefined);
    // Whatever started before the failure (a development cluster, say) must not keep it alive.
    const usage = code?.startsWith("ERR_PARSE_ARGS") ? EXIT.usage : EXIT.failed;
    process.exit(error instanceof CliError ? error.exitCode : usage);
  }
}

function terminal(argv: readonly string[]): Terminal {
  const color = wantsColour({
    isTTY: process.stdout.isTTY === true,
    env: process.env,
    ...(argv.includes("--no-color") ? { flag: false } : {}),
  });
  return {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    color,
    interactive: process.stdin.isTTY === true,
    async ask(question) {
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      try {
        return await rl.question(question);
      } finally {
        rl.close();
      }
    },
  };
}

/** The deepest command the words name, for a usage hint such as `sluice get ks --help`. */
function commandPath(program: Command, argv: readonly string[]): string {
  const path = [program.name()];
  let current = program;
  for (const word of argv) {
    if (word.startsWith("-")) continue;
    const next = current.commands.find((c) => c.name() === word || c.aliases().includes(word));
    if (!next) break;
    path.push(next.name());
    current = next;
  }
  return path.join(" ");
}

/** With --verbose: the stack of the error and of each cause under it (a socket error, say). */
function details(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 5; depth++) {
    const text =
      current instanceof Error ? (current.stack ?? `${current.name}: ${current.message}`) : String(current);
    parts.push(depth === 0 ? text : `caused by: ${text}`);
    current = current instanceof Error ? current.cause : undefined;
  }
  return `${parts.join("\n")}\n`;
}

function report(term: Terminal, message: string, hint: string | undefined): void {
  term.err(`${paint(term, "red", "✗")} ${message}${hint ? `; ${hint}` : ""}\n`);
}

async function main(argv: readonly string[]): Promise<number> {
  const term = terminal(argv);
  if (argv[0] === "start") return start(argv.slice(1), term);
  const verbose = argv.includes("--verbose");
  let claimed = false;
  const interrupted = new Promise<void>((resolve) => {
    process.once("SIGINT", () => {
      resolve();
      // A watch ends cleanly at its next poll; anything else stops at once.
      if (!claimed) process.exit(130);
    });
  });
  const { program, exitCode } = buildProgram(
    {
      term,
      env: process.env,
      cwd: process.cwd(),
      interrupted,
      claimInterrupt: () => {
        claimed = true;
      },
    },
    {
      start: async (args) => {
        claimed = true;
        return start(args, term);
      },
    },
  );
  try {
    await program.parseAsync([...argv], { from: "user" });
    return exitCode();
  } catch (error) {
    if (error instanceof CommanderError) {
      if (["commander.helpDisplayed", "commander.version"].includes(error.code)) return EXIT.ok;
      // A command group run without its sub-command: commander has printed its help.
      if (error.code === "commander.help") return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
      report(term, error.message.replace(/^error: /, ""), `see \`${commandPath(program, argv)} --help\``);
      return EXIT.usage;
    }
    if (error instanceof CliError) {
      report(term, error.message, error.hint);
      if (verbose) term.err(details(error));
      return error.exitCode;
    }
    const message = error instanceof Error ? error.message : String(error);
    report(term, message, verbose ? undefined : "run again with --verbose for details");
    if (verbose) term.err(details(error));
    return EXIT.failed;
  }
}

process.exitCode = await main(process.argv.slice(2));
