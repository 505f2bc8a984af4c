/**
 * The authority verbs that change accounts, licenses and reservations: `account add`, `license add`,
 * `reserve`, `update`, `confirm`, `remove`, `rehost`, `transfer`, `transfer-licenses`, `unlock`. Entries of
 * the verb table (authority-cli.ts), kept here by theme; each runs on the home's ledger or, after a login,
 * on the server's.
 */
import { formatInstant, parseIsoDate } from '../../../shared/codes/dates.ts';
import { codeArg, count, licenses } from './args.ts';
import type { Verb } from './verb.ts';
import { UsageError } from '../output.ts';
import { counted } from '../../../shared/lifetime.ts';
import { makeBundle } from '../../../shared/codes/authorization-bundle.ts';
import { bundleFileName } from '../../../shared/codes/batch-requests.ts';
import { readRequests } from './batch-requests.ts';
import type { Call } from './verb.ts';

/** `reserve --requests`: one step for a batch, one bundle file (to --out, or on stdout), what it is on stderr. */
async function reserveBatch({ values, ctx, out, say, withLedger }: Call): Promise<void> {
  const requests = readRequests(values.requests!);
  const r = await withLedger((l) => l.reserveBatch({ account: values.account!, requests, licenses: licenses(values) }, ctx.now));
  const issuedAt = new Date(ctx.now).toISOString();
  const text = makeBundle(
    values.account!,
    issuedAt,
    r.entries.map((e) => ({ udi: e.udi, sn: e.sn, code: e.code })),
  );
  const name = bundleFileName(issuedAt);
  const file = out?.write(name, text, 'slr authority code --instance <SN> (each device), or reserve again') ?? null;
  if (ctx.json) return say('', { file, entries: r.entries });
  const warnings = r.entries.flatMap((e) => (e.warnings ?? []).map((w) => `${e.sn}: ${w}`));
  ctx.io.err(
    `Licenses reserved for ${counted(r.entries.length, 'device')} (${r.entries.map((e) => e.sn).join(', ')}). Each device installs its own code from the bundle: license smart reservation install-file <bundle>.${file ? `\nBundle written to ${file}.` : ''}`,
  );
  for (const w of warnings) ctx.io.err(`WARNING: ${w}`);
  if (!file) ctx.io.out(text.trimEnd());
}

const INSTANCE = '--instance <UDI or SN>';

export const LEDGER_VERBS: readonly Verb[] = [
  {
    words: 'account add',
    usage: '<virtual account>',
    summary: 'Create a virtual account.',
    example: 'slr authority account add Lab',
    options: [],
    positionals: ['virtual account'],
    run: async ({ positionals, ctx, say, withLedger }) => {
      await withLedger((l) => l.addAccount(positionals[0]!, ctx.now));
      say(`Virtual account "${positionals[0]}" created.`, { account: positionals[0] });
    },
  },
  {
    words: 'license add',
    usage: '--account VA --tag TAG --count N [--type TERM --start YYYY-MM-DD --end YYYY-MM-DD]',
    summary: 'Add purchased licenses to a virtual account: PERPETUAL, or TERM between two dates.',
    example: 'slr authority license add --account Default --tag UCM_Basic --count 100',
    options: ['account', 'tag', 'count', 'type', 'start', 'end'],
    required: ['account', 'tag', 'count'],
    run: async ({ values, ctx, say, withLedger }) => {
      const type = (values.type ?? 'PERPETUAL').toUpperCase();
      if (type !== 'PERPETUAL' && type !== 'TERM') throw new UsageError('--type is PERPETUAL or TERM.');
      if (type === 'TERM' && (!values.start || !values.end)) throw new UsageError('--type TERM needs --start and --end.');
      if (type !== 'TERM' && (values.start || values.end)) throw new UsageError('--start and --end go with --type TERM.');
      const term = type === 'TERM' ? { start: parseIsoDate(values.start!, '--start'), end: parseIsoDate(values.end!, '--end') } : undefined;
      const n = count(values.count, '--count');
      await withLedger((l) => l.addLicenses({ account: values.account!, tag: values.tag!, count: n, term }, ctx.now));
      say(`${n} x ${values.tag} added to "${values.account}".`, { account: values.account, tag: values.tag, count: n });
    },
  },
  {
    words: 'reserve',
    usage: '--account VA (--request "<request code>" | --requests FILE|DIR) --license TAG=N [--license …] [--out FILE|DIR]',
    summary:
      'Reserve licenses for the device of a request code, from what is available; issues its authorization code. With --requests (a folder of request files, or a file of codes, one per line or CSV), the same licenses for each device, whole or not at all, written as one bundle every device installs its own code from.',
    example: 'slr authority reserve --account Default --request @/media/usb/cc920-request.txt --license UCM_Basic=10 --out /media/usb/',
    options: ['account', 'request', 'requests', 'license', 'out'],
    required: ['account'],
    run: async (call) => {
      const { values, ctx, issued, withLedger } = call;
      if ((values.request === undefined) === (values.requests === undefined)) throw new UsageError('Give --request (one device) or --requests (a batch).');
      if (values.requests !== undefined) return reserveBatch(call);
      const r = await withLedger((l) => l.reserve({ account: values.account!, request: codeArg(values.request!), licenses: licenses(values) }, ctx.now));
      issued(`Licenses reserved (reservation ${r.piid}). Install the code on the device: license smart reservation install-file <file>.`, r);
    },
  },
  {
    words: 'update',
    usage: `${INSTANCE} --license TAG=N [--license …] [--out FILE|DIR]`,
    summary:
      "Change a reservation (N=0 removes a license; others are kept); issues a new authorization code. What a decrease frees stays in transition until the device's confirmation code.",
    example: 'slr authority update --instance cc920 --license UCM_Basic=4 --out /media/usb/',
    options: ['instance', 'license', 'out'],
    required: ['instance'],
    run: async ({ values, ctx, issued, withLedger }) => {
      const r = await withLedger((l) => l.update({ instance: values.instance!, licenses: licenses(values) }, ctx.now));
      issued(
        `Reservation updated.${r.inTransition ? ` ${counted(r.inTransition, 'license')} ${r.inTransition === 1 ? 'stays' : 'stay'} in transition until the device's confirmation code is entered (slr authority confirm).` : " Nothing is in transition (no license decreased): the device's confirmation code, entered with slr authority confirm, records that it runs this code."}`,
        r,
      );
    },
  },
  {
    words: 'confirm',
    usage: `${INSTANCE} "<confirmation code>"`,
    summary: 'Enter the confirmation code the device showed after installing an update: releases what was in transition.',
    example: 'slr authority confirm --instance cc920 F8X9M-D8DV4-K2Q7R-3M',
    options: ['instance'],
    required: ['instance'],
    positionals: ['confirmation code'],
    run: async ({ values, positionals, ctx, say, withLedger }) => {
      const r = await withLedger((l) => l.confirm({ instance: values.instance!, code: codeArg(positionals[0]!) }, ctx.now));
      say(
        `Confirmation code accepted for ${r.udi}: the device runs the code of ${formatInstant(r.codeOf)}; ${r.released ? `${counted(r.released, 'license')} released from transition to the pool` : 'nothing was in transition, so nothing is released (the update did not decrease any license)'}.`,
        r,
      );
    },
  },
  {
    words: 'remove',
    usage: `${INSTANCE} --return-code "<return code>"`,
    summary: 'Remove a product instance with its return code: its licenses go back to the pool.',
    example: 'slr authority remove --instance cc920 --return-code @/media/usb/cc920-return.txt',
    options: ['instance', 'return-code'],
    required: ['instance', 'return-code'],
    run: async ({ values, ctx, say, withLedger }) => {
      const r = await withLedger((l) => l.remove({ instance: values.instance!, returnCode: codeArg(values['return-code']!) }, ctx.now));
      say(`Product instance ${r.udi} removed: ${counted(r.released, 'license')} returned to the pool.`, r);
    },
  },
  {
    words: 'rehost',
    usage: `${INSTANCE} --request "<new request code>" --reason "<text>" [--out FILE|DIR]`,
    summary: "Move a failed product's licenses to the device of a new request code (or to a fresh request of the same device).",
    example: 'slr authority rehost --instance cc920 --request @/media/usb/ab123-request.txt --reason "disk failure, RMA 1234"',
    options: ['instance', 'request', 'reason', 'out'],
    required: ['instance', 'request', 'reason'],
    run: async ({ values, ctx, issued, withLedger }) => {
      const r = await withLedger((l) => l.rehost({ instance: values.instance!, request: codeArg(values.request!), reason: values.reason! }, ctx.now));
      issued(`Licenses rehosted to ${r.udi} (reservation ${r.piid}); the failed product can no longer confirm or return.`, r);
    },
  },
  {
    words: 'transfer',
    usage: `${INSTANCE} --to VA`,
    summary: 'Move a product instance, with its reserved licenses, to another virtual account.',
    example: 'slr authority transfer --instance cc920 --to Lab',
    options: ['instance', 'to'],
    required: ['instance', 'to'],
    run: async ({ values, ctx, say, withLedger }) => {
      await withLedger((l) => l.transfer({ instance: values.instance!, to: values.to! }, ctx.now));
      say(`Product instance transferred to "${values.to}" with its reserved licenses.`, { to: values.to });
    },
  },
  {
    words: 'transfer-licenses',
    usage: '--from VA --to VA --tag TAG --count N',
    summary: 'Move available licenses between virtual accounts.',
    example: 'slr authority transfer-licenses --from Default --to Lab --tag UCM_Basic --count 5',
    options: ['from', 'to', 'tag', 'count'],
    required: ['from', 'to', 'tag', 'count'],
    run: async ({ values, ctx, say, withLedger }) => {
      const n = count(values.count, '--count');
      await withLedger((l) => l.transferLicenses({ from: values.from!, to: values.to!, tag: values.tag!, count: n }, ctx.now));
      say(`${n} x ${values.tag} transferred from "${values.from}" to "${values.to}".`, { from: values.from, to: values.to, tag: values.tag, count: n });
    },
  },
  {
    words: 'unlock',
    usage: INSTANCE,
    summary: 'Unlock a product instance locked after 5 wrong codes in a row (logged).',
    example: 'slr authority unlock --instance cc920',
    options: ['instance'],
    required: ['instance'],
    run: async ({ values, ctx, say, withLedger }) => {
      await withLedger((l) => l.unlock({ instance: values.instance! }, ctx.now));
      say('Product instance unlocked.', { instance: values.instance });
    },
  },
];
