/**
 * `slr <command> --help` and `slr help <command>` for the product instance's commands outside the command table
 * (which has its own, instance-commands.ts) and Smart Licensing's (smart-cli.ts): each with what it does and an
 * example. Data, one entry per command; the longest match of the words typed is the command meant.
 */
import { EXIT_CODES } from '../output.ts';

interface Help {
  readonly words: string;
  readonly usage: string;
  readonly summary: string;
  readonly example: string;
}

const HELP: readonly Help[] = [
  {
    words: 'init',
    usage: 'init --pid UCM|CUC|SME [--trust FILE]...',
    summary: "Create the product instance: its UDI, its device key and its 90-day evaluation, trusting License Central's key file(s).",
    example: 'slr init --pid UCM --trust /media/usb/license-central.pem',
  },
  {
    words: 'recover',
    usage: 'recover [--trust FILE]...',
    summary: 'Make a state changed outside SLR Desk usable again: identity, key and log kept, provisioned again with the key files, no evaluation back.',
    example: 'slr recover --trust /media/usb/license-central.pem',
  },
  {
    words: 'backup',
    usage: 'backup --out FILE|DIR',
    summary: 'Write a backup of the state (mode 0600); it carries no reservation and no registration.',
    example: 'slr backup --out /media/usb/',
  },
  {
    words: 'restore',
    usage: 'restore FILE [--force]',
    summary:
      'Bring a backup back (the state it replaces is set aside); the device then asks License Central for its licenses again. A sound state is replaced only with --force.',
    example: 'slr restore /media/usb/product-instance-backup-20261206T120000Z.json',
  },
  {
    words: 'show license',
    usage: 'show license status | udi | summary | reservation | usage [--csv] | events [--csv] [--verify]',
    summary:
      "What the product instance shows: its licensing status, its UDI, a summary, the reservation, the usage, or the event log (--verify checks the log's chain of hashes).",
    example: 'slr show license status',
  },
  {
    words: 'license trust list',
    usage: 'license trust list [--csv]',
    summary: 'The License Central keys this device accepts authorization codes from.',
    example: 'slr license trust list',
  },
  {
    words: 'utils',
    usage: 'utils cuc encryption enable | disable    (Unity Connection)\n       slr utils ctl set-cluster mixed-mode | non-secure-mode    (Unified CM)',
    summary:
      'The product’s secure mode: allowed only while export-controlled functionality is (never in evaluation); it stays on when that ends, with an alarm.',
    example: 'slr utils ctl set-cluster mixed-mode',
  },
  { words: 'show alarms', usage: 'show alarms [--csv]', summary: 'The alarms raised, active first, with what to do.', example: 'slr show alarms' },
  {
    words: 'sip-trunk',
    usage: 'sip-trunk add <name> [--secure]\n       slr sip-trunk remove <name>',
    summary:
      'Unified CM’s SIP trunks: a secure one needs export-controlled functionality (never in the 90-day evaluation period); none is added under enforcement.',
    example: 'slr sip-trunk add PSTN-1 --secure',
  },
  { words: 'show sip-trunks', usage: 'show sip-trunks [--csv]', summary: 'The SIP trunks, secure or not.', example: 'slr show sip-trunks' },
  {
    words: 'cluster add-node',
    usage: 'cluster add-node <name>',
    summary: 'On the publisher: a one-time join code (24 hours) for a subscriber named so (lower-case letters, digits, "-").',
    example: 'slr cluster add-node sub-1',
  },
  {
    words: 'cluster serve',
    usage: 'cluster serve --listen <host>:<port>',
    summary:
      'On the publisher: serve its subscribers on the cluster’s network until stopped (registered online, it also reports to License Central by itself).',
    example: 'slr cluster serve --listen 10.0.0.5:7443',
  },
  {
    words: 'cluster join',
    usage: 'cluster join --publisher <url> --code <code>',
    summary: 'On a subscriber: join the publisher once with the join code it made (keys pinned both ways).',
    example: 'slr cluster join --publisher http://10.0.0.5:7443 --code SLRJ1-sub-1-…',
  },
  {
    words: 'cluster sync',
    usage: 'cluster sync',
    summary: 'On a subscriber: send its usage and take the licensing status (also before each of its commands).',
    example: 'slr cluster sync',
  },
  {
    words: 'cluster remove-node',
    usage: 'cluster remove-node <name>',
    summary: 'On the publisher: take a subscriber out; its usage no longer counts, its messages are refused.',
    example: 'slr cluster remove-node sub-1',
  },
  {
    words: 'cluster leave',
    usage: 'cluster leave [--force]',
    summary: 'On a subscriber: leave the cluster, the publisher told; --force leaves when it cannot be told (it then counts the node until remove-node).',
    example: 'slr cluster leave',
  },
  { words: 'show cluster', usage: 'show cluster', summary: 'The cluster’s nodes, their roles and their last contact.', example: 'slr show cluster' },
];

/** The help of the command the words name (the longest match), or null. */
export function deviceCommandHelp(words: readonly string[]): string | null {
  const typed = words.filter((w) => !w.startsWith('-'));
  const matches = HELP.filter((h) => h.words.split(' ').every((w, i) => typed[i] === w)).sort((a, b) => b.words.length - a.words.length);
  const h = matches[0];
  if (!h) return null;
  return [`Usage: slr ${h.usage}`, '', h.summary, '', 'Options: --home DIR, --json.', '', `Example: ${h.example}`, '', EXIT_CODES].join('\n');
}
