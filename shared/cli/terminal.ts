/** Where a command writes, and whether it may use colour: injected so tests capture output. */
export interface Terminal {
  out(text: string): void;
  err(text: string): void;
  /** Colour only on a terminal, never when NO_COLOR is set or --no-color is given. */
  readonly color: boolean;
  /** Whether a person can answer a question on stdin. */
  readonly interactive: boolean;
  /** Reads one line from stdin, for confirmations. */
  ask?(question: string): Promise<string>;
}

const CODES = { red: 31, green: 32, yellow: 33, blue: 34, cyan: 36, grey: 90, bold: 1 } as const;
export type Colour = keyof typeof CODES;

export function paint(term: Pick<Terminal, "color">, colour: Colour, text: string): string {
  return term.color ? `\u001b[${CODES[colour]}m${text}\u001b[0m` : text;
}

/**
 * Progress lines in the shape Flux users know: ► doing, ◎ waiting, ✔ done, ✗ failed, ⚠ warning.
 * They go to stderr so stdout stays clean for what scripts read (YAML, JSON, tables).
 */
export function progress(term: Terminal) {
  return {
    doing: (text: string) => term.err(`${paint(term, "blue", "►")} ${text}\n`),
    waiting: (text: string) => term.err(`${paint(term, "cyan", "◎")} ${text}\n`),
    done: (text: string) => term.err(`${paint(term, "green", "✔")} ${text}\n`),
    failed: (text: string) => term.err(`${paint(term, "red", "✗")} ${text}\n`),
    warn: (text: string) => term.err(`${paint(term, "yellow", "⚠")} ${text}\n`),
  };
}

export type Progress = ReturnType<typeof progress>;

/** Whether colour is wanted, from the environment and the stream. */
export function wantsColour(options: {
  readonly isTTY: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly flag?: boolean;
}): boolean {
  if (options.flag === false) return false;
  if (options.env.NO_COLOR !== undefined && options.env.NO_COLOR !== "") return false;
  if (options.env.FORCE_COLOR !== undefined && options.env.FORCE_COLOR !== "0") return true;
  return options.isTTY && options.env.TERM !== "dumb";
}
