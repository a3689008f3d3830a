// `ferry completion bash|zsh`: shell completion generated from the command tree itself, so a new
// command or flag completes without anyone remembering to edit a script.

import type { Command } from "commander";
import { UsageError } from "../errors.ts";

interface Node {
  path: string[];
  words: string[];
}

function walk(command: Command, path: string[], out: Node[]): void {
  const subs = command.commands.map((c) => c.name());
  const flags = command.options.flatMap((o) => [o.long, o.short].filter((f): f is string => !!f));
  out.push({ path, words: [...subs, ...flags, "--help"] });
  for (const sub of command.commands) walk(sub, [...path, sub.name()], out);
}

export function registerCompletion(program: Command): void {
  program
    .command("completion <shell>")
    .description("print shell completion for bash or zsh")
    .addHelpText(
      "after",
      "\nExamples:\n  ferry completion bash > ~/.local/share/bash-completion/completions/ferry\n  echo 'source <(ferry completion zsh)' >> ~/.zshrc",
    )
    .action((shell: string) => {
      const nodes: Node[] = [];
      walk(program, [], nodes);
      if (shell === "bash") process.stdout.write(bash(nodes));
      else if (shell === "zsh")
        process.stdout.write(`autoload -U +X bashcompinit && bashcompinit\n${bash(nodes)}`);
      else throw new UsageError(`unknown shell "${shell}": use bash or zsh`);
    });
}

/** A case over the command words typed so far; unknown positions fall back to file names. */
function bash(nodes: Node[]): string {
  const cases = nodes.map((n) => `    "${n.path.join(" ")}") words="${n.words.join(" ")}" ;;`).join("\n");
  return `# ferry shell completion
_ferry() {
  local cur path i w words
  cur="\${COMP_WORDS[COMP_CWORD]}"
  path=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    [[ "$w" == -* ]] && continue
    if [[ -z "$path" ]]; then candidate="$w"; else candidate="$path $w"; fi
    case "$candidate" in
${nodes
  .map((n) => `      "${n.path.join(" ")}") path="$candidate" ;;`)
  .filter((l) => !l.includes('""'))
  .join("\n")}
    esac
  done
  case "$path" in
${cases}
  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur") $(compgen -f -- "$cur"))
}
complete -F _ferry ferry
`;
}
