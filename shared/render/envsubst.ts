/**
 * Bash-style `${var}` expansion with the grammar of Flux's envsubst (a fork of drone/envsubst),
 * always strict: a variable that is not set and has no default is an error. `$var` without braces
 * is left alone, `$$` gives a literal `$` (so `$${var}` prints `${var}`).
 */

/** Why a text could not be expanded; `variable` names the culprit when there is one. */
export class SubstitutionError extends Error {
  readonly variable: string | undefined;
  constructor(message: string, variable?: string) {
    super(message);
    this.name = "SubstitutionError";
    this.variable = variable;
  }
}

export type Lookup = (name: string) => string | undefined;

/** Operators that supply a value when the variable is unset or empty, so strict mode allows them. */
const DEFAULT_OPS = new Set([":=", ":-", "="]);
const IDENT = /[\p{L}\p{N}_]/u;

export function envsubst(text: string, lookup: Lookup): string {
  return new Expander(text, lookup).text();
}

class Expander {
  private pos = 0;
  private readonly src: string;
  private readonly lookup: Lookup;

  constructor(src: string, lookup: Lookup) {
    this.src = src;
    this.lookup = lookup;
  }

  /** Top level: literal text with `${…}` expressions and `$$` escapes. */
  text(): string {
    let out = "";
    let literalFrom = 0;
    while (this.pos < this.src.length) {
      const at = this.src.indexOf("$", this.pos);
      if (at < 0) break;
      const next = this.src[at + 1];
      if (next === "$") {
        // `$$` is one literal `$`; a `{` after it is then just text.
        out += this.src.slice(literalFrom, at + 1);
        this.pos = at + 2;
        literalFrom = at + 2;
      } else if (next === "{") {
        out += this.src.slice(literalFrom, at);
        this.pos = at + 2;
        out += this.expression();
        literalFrom = this.pos;
      } else this.pos = at + 1;
    }
    return out + this.src.slice(literalFrom);
  }

  private peek(offset = 0): string | undefined {
    return this.src[this.pos + offset];
  }

  private bad(message = "bad substitution"): SubstitutionError {
    return new SubstitutionError(`${message} at character ${this.pos + 1}`);
  }

  private expect(char: string): void {
    if (this.peek() !== char) throw this.bad(char === "}" ? "missing closing brace" : "bad substitution");
    this.pos++;
  }

  private name(): string {
    const start = this.pos;
    while (this.pos < this.src.length && IDENT.test(this.src[this.pos] ?? "")) this.pos++;
    if (this.pos === start) throw this.bad("unable to parse variable name");
    return this.src.slice(start, this.pos);
  }

  private value(name: string, op: string): string {
    const value = this.lookup(name);
    if (value === undefined && !DEFAULT_OPS.has(op))
      throw new SubstitutionError(`variable '${name}' is not set and has no default`, name);
    return value ?? "";
  }

  /** After `${`: one expression up to and including its `}`. */
  private expression(): string {
    if (this.peek() === "#") {
      this.pos++;
      const name = this.name();
      this.expect("}");
      return String([...this.value(name, "#")].length);
    }
    const name = this.name();
    const c = this.peek();
    if (c === "}") {
      this.pos++;
      return this.value(name, "");
    }
    if (c === ":" && "=-?+".includes(this.peek(1) ?? ""))
      return this.withDefault(name, `:${this.peek(1)}`, 2);
    if (c === "=") return this.withDefault(name, "=", 1);
    if (c === ":") return this.substring(name);
    if (c === "^" || c === ",") return this.casing(name);
    if (c === "/") return this.replace(name);
    if (c === "#" || c === "%") return this.remove(name, c);
    throw this.bad("missing closing brace");
  }

  /** Text (with nested `${…}` and escapes) up to, not including, a character in `stops`. */
  private param(stops: string): string {
    let out = "";
    while (this.pos < this.src.length) {
      const c = this.src[this.pos] as string;
      if (stops.includes(c)) return out;
      const next = this.peek(1);
      if (c === "$" && next === "{") {
        this.pos += 2;
        out += this.expression();
      } else if ((c === "$" && next === "$") || (c === "\\" && (next === "/" || next === "\\"))) {
        out += next;
        this.pos += 2;
      } else {
        out += c;
        this.pos++;
      }
    }
    throw this.bad("missing closing brace");
  }

  private withDefault(name: string, op: string, width: number): string {
    this.pos += width;
    if (op === ":?" || op === ":+") throw this.bad(`\${${name}${op}…} is not supported`);
    const fallback = this.param("}");
    this.expect("}");
    const value = this.value(name, op);
    return value === "" ? fallback : value;
  }

  private substring(name: string): string {
    this.pos++;
    const offset = Number.parseInt(this.param(":}"), 10);
    let length: number | undefined;
    if (this.peek() === ":") {
      this.pos++;
      length = Number.parseInt(this.param("}"), 10);
    }
    this.expect("}");
    const chars = [...this.value(name, ":")];
    if (Number.isNaN(offset)) return chars.join("");
    const start = Math.max(0, offset);
    const end = length === undefined || Number.isNaN(length) ? chars.length : start + Math.max(0, length);
    return chars.slice(start, end).join("");
  }

  private casing(name: string): string {
    const start = this.pos;
    while ((this.peek() === "^" || this.peek() === ",") && this.pos - start < 2) this.pos++;
    const op = this.src.slice(start, this.pos);
    this.expect("}");
    const value = this.value(name, op);
    const first = (f: (s: string) => string) => f(value.slice(0, 1)) + value.slice(1);
    if (op === "^^") return value.toUpperCase();
    if (op === ",,") return value.toLowerCase();
    if (op === "^") return first((s) => s.toUpperCase());
    if (op === ",") return first((s) => s.toLowerCase());
    return value;
  }

  private replace(name: string): string {
    this.pos++;
    let mode = "";
    if (this.peek() === "/" || this.peek() === "#" || this.peek() === "%")
      mode = this.src[this.pos++] as string;
    const pattern = this.param("/}");
    let replacement = "";
    if (this.peek() === "/") {
      this.pos++;
      replacement = this.param("}");
    }
    this.expect("}");
    const value = this.value(name, "/");
    if (mode === "/") return pattern === "" ? value : value.split(pattern).join(replacement);
    if (mode === "#") return value.startsWith(pattern) ? replacement + value.slice(pattern.length) : value;
    if (mode === "%")
      return value.endsWith(pattern) ? value.slice(0, value.length - pattern.length) + replacement : value;
    return pattern === "" ? value : value.replace(pattern, () => replacement);
  }

  private remove(name: string, op: "#" | "%"): string {
    const longest = this.peek(1) === op;
    this.pos += longest ? 2 : 1;
    const pattern = globToRegExp(this.param("}"));
    this.expect("}");
    const value = this.value(name, op);
    const lengths = [...Array(value.length + 1).keys()];
    if (longest) lengths.reverse();
    for (const n of lengths) {
      const part = op === "#" ? value.slice(0, n) : value.slice(value.length - n);
      if (pattern.test(part)) return op === "#" ? value.slice(n) : value.slice(0, value.length - n);
    }
    return value;
  }
}

/** A shell glob (`*`, `?`, `[…]`) as an anchored regular expression. */
function globToRegExp(glob: string): RegExp {
  let source = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === "*") source += "[\\s\\S]*";
    else if (c === "?") source += "[\\s\\S]";
    else if (c === "[") {
      const close = glob.indexOf("]", i + 2);
      if (close < 0) source += "\\[";
      else {
        const body = glob
          .slice(i + 1, close)
          .replace(/^!/, "^")
          .replace(/\\/g, "\\\\");
        source += `[${body}]`;
        i = close;
      }
    } else source += c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  }
  return new RegExp(`^${source}$`, "u");
}
