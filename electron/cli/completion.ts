/**
 * Shell completion from the same command tables as the help (`slr completion bash|zsh|fish` prints the script
 * to source): the script asks `slr __complete <current word> <words before it>…`, which prints the words that
 * may come next (a command's next word, or the options of the command typed), one per line.
 */
import { commandWords } from './did-you-mean.ts';

export interface CompletionTables {
  /** The device's usage lines (`  slr license usage <tag> <count>`). */
  readonly deviceUsage: readonly string[];
  /** The authority's verbs: their words and options. */
  readonly verbs: readonly { readonly words: string; readonly options: readonly string[] }[];
  /** The options that take a value (the word after one is no command word). */
  readonly valueOptions: readonly string[];
}

/** The device's options that take a value (the authority's come from its option table). */
export const DEVICE_VALUE_OPTIONS = ['--home', '--out', '--pid', '--trust', '--user', '--password-file', '--publisher', '--code', '--listen'];

/** The command words typed: options and the values they take left out. */
function commandPart(t: CompletionTables, typed: readonly string[]): string[] {
  const words: string[] = [];
  for (let i = 0; i < typed.length; i++) {
    const w = typed[i]!;
    if (!w.startsWith('-')) words.push(w);
    else if (!w.includes('=') && t.valueOptions.includes(w)) i++;
  }
  return words;
}

const GLOBAL = ['--home', '--json', '--help', '--version'];

/** The words that may complete `current`, after the words typed before it. */
export function completions(t: CompletionTables, typed: readonly string[], current: string): string[] {
  const words = commandPart(t, typed);
  const authority = words[0] === 'authority';
  const sequences = authority
    ? t.verbs.map((v) => `authority ${v.words}`)
    : [...commandWords(t.deviceUsage), 'authority', 'help', 'completion bash', 'completion zsh', 'completion fish'];
  if (current.startsWith('-')) {
    const verb = authority ? t.verbs.find((v) => `authority ${v.words}` === words.slice(0, v.words.split(' ').length + 1).join(' ')) : undefined;
    const own = verb
      ? [...verb.options, 'passphrase-file'].map((o) => `--${o}`)
      : t.deviceUsage.filter((l) => words.length && l.trim().startsWith(`slr ${words.join(' ')}`)).flatMap((l) => l.match(/--[a-z][a-z-]*/g) ?? []);
    return [...new Set([...own, ...GLOBAL])].filter((o) => o.startsWith(current)).sort();
  }
  const next = new Set<string>();
  for (const s of sequences) {
    const parts = s.split(' ');
    if (parts.length > words.length && words.every((w, i) => parts[i] === w) && parts[words.length]!.startsWith(current)) next.add(parts[words.length]!);
  }
  return [...next].sort();
}

export const COMPLETION_SCRIPTS: Readonly<Record<'bash' | 'zsh' | 'fish', string>> = {
  bash: `# slr completion for bash: source it, or put it in /etc/bash_completion.d/slr
_slr() {
  local IFS=$'\\n'
  COMPREPLY=( $(slr __complete "\${COMP_WORDS[COMP_CWORD]}" "\${COMP_WORDS[@]:1:COMP_CWORD-1}" 2>/dev/null) )
}
complete -o default -F _slr slr
`,
  zsh: `#compdef slr
# slr completion for zsh: put it on $fpath as _slr, or source it after compinit
_slr() {
  local -a candidates
  candidates=(\${(f)"$(slr __complete "\${words[CURRENT]}" "\${(@)words[2,CURRENT-1]}" 2>/dev/null)"})
  compadd -a candidates
}
compdef _slr slr
`,
  fish: `# slr completion for fish: put it in ~/.config/fish/completions/slr.fish
complete -c slr -f -a '(set -l t (commandline -opc); slr __complete (commandline -ct) $t[2..-1] 2>/dev/null)'
`,
};
