/**
 * The authority verbs that keep its keys, its clock and its ledger file: `key export|add|retire|list`,
 * `clock accept`, `backup`. Entries of the verb table (authority-cli.ts), kept here by theme.
 */
import { formatInstant, formatIsoDate } from '../../../shared/codes/dates.ts';
import { LIMITS } from '../../../shared/limits.ts';
import { parseKeyBackup } from '../../authority/keys/key-escrow.ts';
import { readCodeFile } from '../../platform/files.ts';
import { passphraseSecret, readPassphrase } from './args.ts';
import type { Verb } from './verb.ts';
import { table } from '../output.ts';

export const KEY_VERBS: readonly Verb[] = [
  {
    words: 'key export',
    usage: '[--id ID] [--out FILE|DIR]',
    summary: 'Write the key file devices trust (slr license trust add), with the endorsements that let devices trusting an older key accept it.',
    example: 'slr authority key export --out /media/usb/license-central.pem',
    options: ['id', 'out'],
    run: async ({ values, ctx, say, out, withLedger }) => {
      const k = await withLedger((l) => l.exportKey(values.id));
      if (out) {
        const file = out.write(`license-central-${k.id}.pem`, k.file, `slr authority key export --id ${k.id} --out FILE`);
        return say(`Key file for signing key ${k.id} written to ${file}.`, { keyId: k.id, file });
      }
      if (ctx.json) return say('', { keyId: k.id, publicKey: k.pem, keyFile: k.file });
      ctx.io.out(k.file);
    },
  },
  {
    words: 'key add',
    usage: '',
    summary: 'Make a new signing key, endorsed by the current one; it signs new codes from now on.',
    example: 'slr authority key add',
    options: [],
    run: async ({ ctx, say, withLedger }) => {
      const r = await withLedger((l) => l.addKey(ctx.now));
      say(
        `Signing key ${r.keyId} added${r.endorsedBy ? `, endorsed by key ${r.endorsedBy}` : ''}; new codes are signed with it. Export it (key export --out FILE) and add that file on devices before they install such codes.`,
        r,
      );
    },
  },
  {
    words: 'key retire',
    usage: '<id>',
    summary: 'Stop a signing key signing new codes; it still checks the confirmation and return codes of what it signed.',
    example: 'slr authority key retire 1a2b3c4d5e6f7a8b',
    options: [],
    positionals: ['id'],
    run: async ({ positionals, ctx, say, withLedger }) => {
      await withLedger((l) => l.retireKey(positionals[0]!, ctx.now));
      say(`Signing key ${positionals[0]} retired.`, { keyId: positionals[0] });
    },
  },
  {
    words: 'key list',
    usage: '',
    summary: 'List the signing keys: created, retired, which signs new codes, which endorsed it.',
    example: 'slr authority key list',
    options: [],
    run: async ({ ctx, say, withLedger }) => {
      const keys = await withLedger((l) => l.keys());
      if (ctx.json) return say('', { keys });
      ctx.io.out(
        table(
          ['Key id', 'Created', 'Retired', 'Signs new codes', 'Endorsed by'],
          keys.map((k) => [k.id, formatInstant(k.createdAt), k.retiredAt ? formatInstant(k.retiredAt) : '-', k.active ? 'yes' : 'no', k.endorsedBy ?? '-']),
        ),
      );
    },
  },
  {
    words: 'key backup',
    usage: '--out FILE|DIR --passphrase-file FILE',
    summary:
      'Write the signing keys alone, encrypted under the passphrase (scrypt, AES-256-GCM), for escrow (mode 0600). Without them, devices trust no new ledger: keep the backup and the passphrase apart.',
    example: 'slr authority key backup --out /secure/ --passphrase-file /secure/escrow-passphrase.txt',
    options: ['out'],
    required: ['out', 'passphrase-file'],
    where: 'local',
    run: async ({ values, ctx, say, out, withLocalLedger }) => {
      const passphrase = readPassphrase(values['passphrase-file']!);
      const r = await withLocalLedger((l) => l.backupKeys(passphrase, ctx.now));
      const file = out!.write(
        `license-central-keys-${formatIsoDate(ctx.now)}.json`,
        r.text,
        'slr authority key backup --out FILE --passphrase-file FILE',
        0o600,
      );
      say(`Signing keys ${r.keyIds.join(', ')} written, encrypted, to ${file} (mode 0600).`, { keyIds: r.keyIds, file });
    },
  },
  {
    words: 'key restore',
    usage: '<backup file> --passphrase-file FILE',
    summary:
      'Bring back signing keys from a key backup of this authority: those the ledger lacks, and those whose stored key is damaged. (For a lost ledger: init --restore-keys.)',
    example: 'slr authority key restore /secure/license-central-keys-2026-11-23.json --passphrase-file /secure/escrow-passphrase.txt',
    options: [],
    required: ['passphrase-file'],
    positionals: ['backup file'],
    where: 'local',
    run: async ({ values, positionals, ctx, say, withLocalLedger }) => {
      const backup = parseKeyBackup(readCodeFile(positionals[0]!, LIMITS.keyBackupBytes), readPassphrase(values['passphrase-file']!));
      const r = await withLocalLedger((l) => l.restoreKeys(backup, ctx.now));
      const list = (ids: string[]) => ids.join(', ') || 'none';
      say(`Signing keys restored: added ${list(r.added)}; repaired ${list(r.repaired)}; already here ${list(r.present)}.`, r);
    },
  },
  {
    words: 'key protect',
    usage: '--new-passphrase-file FILE [--passphrase-file FILE]',
    summary:
      'Encrypt the signing keys at rest under a new passphrase (the old one, if any, unlocks them first). Every command that signs or checks codes then needs --passphrase-file.',
    example: 'slr authority key protect --new-passphrase-file /secure/passphrase.txt',
    options: ['new-passphrase-file'],
    required: ['new-passphrase-file'],
    where: 'local',
    run: async ({ values, ctx, say, withLocalLedger }) => {
      const secret = passphraseSecret(values['new-passphrase-file'], '--new-passphrase-file')!;
      const r = await withLocalLedger((l) => l.protectKeys(secret, ctx.now));
      say(`Signing keys ${r.keyIds.join(', ')} are encrypted under the new passphrase. Give it with --passphrase-file from now on.`, r);
    },
  },
  {
    words: 'clock accept',
    usage: '--reason "<text>"',
    summary: "Accept this computer's clock as the latest time seen, after a clock that ran ahead was put right (logged).",
    example: 'slr authority clock accept --reason "clock ran a year ahead after a BIOS reset"',
    options: ['reason'],
    required: ['reason'],
    run: async ({ values, ctx, say, withLedger }) => {
      const r = await withLedger((l) => l.acceptClock(values.reason!, ctx.now));
      say(`The clock (${formatInstant(ctx.now)}) is accepted as the latest time seen${r.from === null ? '' : ` (it was ${formatInstant(r.from)})`}.`, {
        from: r.from,
        now: ctx.now,
      });
    },
  },
  {
    words: 'backup',
    usage: '--out FILE',
    summary:
      "Write a consistent copy of the ledger (SQLite's backup API, while it is in use), signing keys included, readable by its owner only (mode 0600). Keep it as safe as the keys. For PostgreSQL use pg_dump.",
    example: 'slr authority backup --out /secure/license-central-2026-11-23.sqlite',
    options: ['out'],
    required: ['out'],
    where: 'local',
    run: async ({ values, ctx, say, withLocalLedger }) => {
      const r = await withLocalLedger((l) => l.backup(values.out!, ctx.now));
      say(`Ledger backed up to ${r.path} (${r.pages} pages, mode 0600).`, r);
    },
  },
];
