/**
 * Smart Licensing online, License Central's side: Product Instance Registration Tokens (`token create`,
 * `token list`, `token revoke`) and the smart account's permission for export-controlled functionality
 * (`export-control allow|deny`). Entries of the verb table (authority-cli.ts), kept here by theme; each runs
 * on the home's ledger or, after a login, on the server's.
 */
import { formatInstant, formatIsoDate } from '../../../shared/codes/dates.ts';
import { toCsv } from '../../../shared/csv.ts';
import { count } from './args.ts';
import type { Call, Verb } from './verb.ts';
import { table, UsageError } from '../output.ts';

/** The server devices reach, and its certificate's fingerprint: the session's, or given, or this home's own. */
async function serverOf(call: Call): Promise<{ server: string; fingerprint: string }> {
  const { values, ctx } = call;
  const server = values.server ?? ctx.remote?.session.server;
  if (!server) throw new UsageError('Name the License Central server devices reach: --server https://HOST:PORT (logged in, the server of the login).');
  if (ctx.remote || values.fingerprint) return { server, fingerprint: values.fingerprint ?? '' };
  const { homeServerFingerprint } = await import('../../platform/fingerprint.ts');
  return { server, fingerprint: homeServerFingerprint(ctx.home) };
}

export const TOKEN_VERBS: readonly Verb[] = [
  {
    words: 'token create',
    usage: '--account VA [--description TEXT] [--expires-days N] [--max-uses N] [--export-controlled] [--server URL]',
    summary:
      "Make a Product Instance Registration Token for a virtual account (Smart Licensing online): the text an operator pastes on a device, signed, carrying the server's URL and certificate fingerprint. Valid 30 days unless --expires-days (1 to 365); any number of uses unless --max-uses.",
    example: 'slr authority token create --account Lab --description "Lab CUCM cluster" --expires-days 30 --max-uses 10',
    options: ['account', 'description', 'expires-days', 'max-uses', 'export-controlled', 'server', 'fingerprint'],
    required: ['account'],
    run: async (call) => {
      const { values, ctx, say, withLedger } = call;
      const target = await serverOf(call);
      const input = {
        account: values.account!,
        description: values.description,
        expiresDays: values['expires-days'] === undefined ? undefined : count(values['expires-days'], '--expires-days'),
        maxUses: values['max-uses'] === undefined ? undefined : count(values['max-uses'], '--max-uses'),
        exportControlled: values['export-controlled'] ?? false,
        ...target,
      };
      const r = await withLedger((l) => l.createToken(input, ctx.now));
      if (ctx.json) return say('', r);
      ctx.io.err(`Registration token ${r.id} for "${values.account}", valid until ${formatIsoDate(r.expiresAt)}:`);
      ctx.io.out(r.token);
    },
  },
  {
    words: 'token list',
    usage: '[--account VA] [--csv]',
    summary: 'The registration tokens: virtual account, description, expiry, uses, export-controlled, and whether valid, expired, used up or revoked.',
    example: 'slr authority token list --account Lab',
    options: ['account', 'csv'],
    run: async ({ values, ctx, say, withLedger }) => {
      const tokens = await withLedger((l) => l.listTokens(ctx.now, values.account));
      if (ctx.json) return say('', { tokens });
      const header = ['Token', 'Virtual Account', 'Description', 'Created', 'Expires', 'Uses', 'Export-Controlled', 'State'];
      const rows = tokens.map((t) => [
        t.id,
        t.account,
        t.description || '-',
        formatInstant(t.createdAt),
        formatIsoDate(t.expiresAt),
        t.maxUses === null ? `${t.uses}` : `${t.uses} of ${t.maxUses}`,
        t.exportControlled ? 'allowed' : 'not allowed',
        t.state,
      ]);
      if (values.csv) return ctx.io.out(toCsv(header, rows).trimEnd());
      ctx.io.out(rows.length ? table(header, rows) : 'No registration tokens.');
    },
  },
  {
    words: 'token revoke',
    usage: '<id>',
    summary: 'Revoke a registration token: no product instance registers with it from now on.',
    example: 'slr authority token revoke 3f2a9c0d11b4e7a5',
    options: [],
    positionals: ['id'],
    run: async ({ positionals, ctx, say, withLedger }) => {
      const id = positionals[0]!;
      if (!/^[0-9a-f]{16}$/.test(id)) throw new UsageError(`A token id is 16 hexadecimal digits (see slr authority token list), not "${id.slice(0, 40)}".`);
      await withLedger((l) => l.revokeToken(id, ctx.now));
      say(`Registration token ${id} revoked.`, { id });
    },
  },
  {
    words: 'registered remove',
    usage: '<instance>',
    summary:
      'Remove a product instance registered online (see show registered): its usage leaves the pool and its identity is revoked. For a device that deregistered without reaching License Central, or one lost.',
    example: 'slr authority registered remove 12',
    options: [],
    positionals: ['instance'],
    run: async ({ positionals, ctx, say, withLedger }) => {
      const instance = positionals[0]!;
      if (!/^[0-9]{1,15}$/.test(instance))
        throw new UsageError(`A registered instance is named by its number (see slr authority show registered), not "${instance.slice(0, 40)}".`);
      const r = await withLedger((l) => l.removeRegistered(instance, ctx.now));
      say(`Registered product instance ${r.instance} (${r.udi}) removed from virtual account "${r.account}": its licenses are released.`, r);
    },
  },
  {
    words: 'export-control',
    usage: 'allow|deny --reason "<text>"',
    summary: 'Permit (or withdraw) export-controlled functionality for the smart account: only then may a registration token allow it (logged).',
    example: 'slr authority export-control allow --reason "export licence EL-2026-114 on file"',
    options: ['reason'],
    required: ['reason'],
    positionals: ['allow|deny'],
    run: async ({ values, positionals, ctx, say, withLedger }) => {
      const choice = positionals[0];
      if (choice !== 'allow' && choice !== 'deny') throw new UsageError(`export-control takes allow or deny, not "${String(choice).slice(0, 40)}".`);
      await withLedger((l) => l.setExportControl(choice === 'allow', values.reason!, ctx.now));
      say(`Export-controlled functionality ${choice === 'allow' ? 'permitted' : 'no longer permitted'} for the smart account.`, {
        allowed: choice === 'allow',
      });
    },
  },
];
