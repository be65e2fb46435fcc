import type { Command, Option } from "commander";
import { findKind } from "./kinds.ts";

interface Entry {
  readonly path: string;
  readonly children: readonly string[];
  readonly options: readonly string[];
  /** The lower-case kind whose object names complete its argument, if it takes one. */
  readonly kind?: string;
}

function flags(options: readonly Option[]): string[] {
  return options.flatMap((o) => [o.short, o.long].filter((f): f is string => typeof f === "string"));
}

/** Every command path (aliases too) with its sub-commands, options and the kind its name argument is. */
export function completionEntries(program: Command): Entry[] {
  const entries: Entry[] = [];
  const walk = (command: Command, path: string) => {
    const children = command.commands.flatMap((c) => [c.name(), ...c.aliases()]);
    const takesName = command.registeredArguments.some((a) => /name/.test(a.name()));
    const last = path.split(" ").at(-1) ?? "";
    const kind = takesName && command.commands.length === 0 ? findKind(last)?.kind.toLowerCase() : undefined;
    entries.push({
      path,
      children,
      options: [...flags(command.options), "--help"],
      ...(kind ? { kind } : {}),
    });
    for (const child of command.commands)
      for (const name of [child.name(), ...child.aliases()]) walk(child, `${path} ${name}`);
  };
  walk(program, program.name());
  return entries;
}

function valuedFlags(program: Command): string[] {
  const found = new Set<string>();
  const walk = (command: Command) => {
    for (const o of command.options)
      if (o.required || o.optional) for (const f of [o.short, o.long]) if (f) found.add(f);
    command.commands.forEach(walk);
  };
  walk(program);
  return [...found].sort();
}

const quote = (text: string) => `'${text.replaceAll("'", "'\\''")}'`;

/**
 * A bash completion script generated from the command tree: sub-commands, flags, and the names
 * of registered objects (asked of the API with `get all -o name`) where a command takes a name.
 */
export function bashCompletion(program: Command): string {
  const name = program.name();
  const entries = completionEntries(program);
  const assoc = (label: string, pick: (e: Entry) => string | undefined) =>
    `declare -gA ${label}=(\n${entries
      .flatMap((e) => {
        const value = pick(e);
        return value === undefined ? [] : [`  [${quote(e.path)}]=${quote(value)}`];
      })
      .join("\n")}\n)`;
  return `# ${name} completion for bash: source <(${name} completion bash)
${assoc("_sluice_sub", (e) => e.children.join(" "))}
${assoc("_sluice_opts", (e) => e.options.join(" "))}
${assoc("_sluice_kind", (e) => e.kind)}
_sluice_valued=${quote(` ${valuedFlags(program).join(" ")} `)}

_sluice_complete() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" path=${quote(name)} word skip="" ns="" i
  for ((i = 1; i < COMP_CWORD; i++)); do
    word="\${COMP_WORDS[i]}"
    if [[ -n $skip ]]; then
      [[ $skip == "-n" || $skip == "--namespace" ]] && ns="$word"
      skip=""
      continue
    fi
    if [[ $word == -* ]]; then
      [[ $_sluice_valued == *" $word "* ]] && skip="$word"
      continue
    fi
    if [[ " \${_sluice_sub[$path]} " == *" $word "* ]]; then
      path="$path $word"
    fi
  done
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "\${_sluice_opts[$path]} \${_sluice_opts[${name}]}" -- "$cur"))
    return
  fi
  local kind="\${_sluice_kind[$path]}"
  if [[ -n $kind ]]; then
    local names
    names=$("\${COMP_WORDS[0]}" get all \${ns:+-n "$ns"} -o name 2>/dev/null | sed -n "s|^$kind/||p")
    COMPREPLY=($(compgen -W "$names" -- "$cur"))
    return
  fi
  COMPREPLY=($(compgen -W "\${_sluice_sub[$path]}" -- "$cur"))
}
complete -F _sluice_complete ${name}
`;
}

/** zsh runs the bash script through bashcompinit, so both shells complete the same way. */
export function zshCompletion(program: Command): string {
  return `#compdef ${program.name()}
# ${program.name()} completion for zsh: source <(${program.name()} completion zsh)
autoload -U +X compinit && compinit
autoload -U +X bashcompinit && bashcompinit
${bashCompletion(program)}`;
}
