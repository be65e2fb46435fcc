/** One challenge of a `WWW-Authenticate` header: the scheme (lower-cased) and its parameters. */
export interface AuthChallenge {
  readonly scheme: string;
  /** Parameter names lower-cased; quoted values unescaped. */
  readonly params: Readonly<Record<string, string>>;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+/;

/**
 * Parses a `WWW-Authenticate` header (RFC 7235) into its challenges, e.g.
 * `Bearer realm="https://auth.example/token",service="registry",scope="repository:a/b:pull"`.
 * Several challenges may share one header, separated by commas like their parameters: a bare
 * token not followed by `=` starts a new challenge. Malformed tails are dropped, not fatal.
 */
export function parseWwwAuthenticate(header: string | null | undefined): AuthChallenge[] {
  const challenges: { scheme: string; params: Record<string, string> }[] = [];
  let rest = (header ?? "").trim();
  const skip = (pattern: RegExp) => {
    rest = rest.replace(pattern, "");
  };
  while (rest.length > 0) {
    skip(/^[\s,]+/);
    const word = TOKEN.exec(rest)?.[0];
    if (!word) break;
    rest = rest.slice(word.length);
    skip(/^[ \t]*/);
    const current = challenges.at(-1);
    if (!rest.startsWith("=") || !current) {
      // A scheme, possibly followed by its first parameter on the same line.
      challenges.push({ scheme: word.toLowerCase(), params: {} });
      continue;
    }
    if (/^=+\s*(,|$)/.test(rest) && Object.keys(current.params).length === 0) {
      // token68 form (`Basic abc==`): keep it whole as the challenge's token.
      const token = /^=+/.exec(rest)?.[0] ?? "";
      current.params.token68 = word + token;
      rest = rest.slice(token.length);
      continue;
    }
    skip(/^=[ \t]*/);
    const value = readValue(rest);
    if (!value) break;
    current.params[word.toLowerCase()] = value.value;
    rest = rest.slice(value.length);
  }
  return challenges;
}

function readValue(text: string): { value: string; length: number } | undefined {
  if (!text.startsWith('"')) {
    // Lenient: registries sometimes leave URLs unquoted, which a strict token would cut at ':'.
    const bare = /^[^,\s]*/.exec(text)?.[0] ?? "";
    return { value: bare, length: bare.length };
  }
  let value = "";
  for (let i = 1; i < text.length; i++) {
    const char = text[i];
    if (char === "\\" && i + 1 < text.length) {
      value += text[++i];
      continue;
    }
    if (char === '"') return { value, length: i + 1 };
    value += char;
  }
  return undefined;
}

/** The first challenge of a scheme the registry client can answer (Bearer preferred over Basic). */
export function pickChallenge(challenges: readonly AuthChallenge[]): AuthChallenge | undefined {
  return challenges.find((c) => c.scheme === "bearer") ?? challenges.find((c) => c.scheme === "basic");
}
