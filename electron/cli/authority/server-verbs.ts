/**
 * The authority verbs of License Central as a server: `serve`, its users (`user add|list|disable|password|
 * token`, on the server's own home), and a client's `login`, `logout` and `password`. Entries of the verb
 * table (authority-cli.ts), kept here by theme.
 */
import { formatInstant } from '../../../shared/codes/dates.ts';
import { refuse } from '../../../shared/errors.ts';
import { ROLES, ROLE_NAMES } from '../../../shared/authority/roles.ts';
import { passphraseSecret, readPassphrase } from './args.ts';
import type { Call, Verb } from './verb.ts';
import { roundText } from '../../authority/satellite/round-text.ts';
import { table, UsageError } from '../output.ts';
import { readHiddenLine } from '../terminal.ts';
import { counted } from '../../../shared/lifetime.ts';
import { followMove, LEDGER_POINTER, movedLedger } from '../../authority/ledger-location.ts';
import { describeDatabase } from '../../authority/db/database-url.ts';

const ROLE_LIST = ROLE_NAMES.join('|');

/** A password from --password-file (its first line), else asked on the terminal without echo. */
async function password(call: Call, option: 'password-file' | 'new-password-file', prompt: string): Promise<string> {
  const file = call.values[option];
  if (file !== undefined) return readPassphrase(file, `--${option}`);
  return readHiddenLine(prompt, `--${option} FILE`);
}

/** Waits for SIGINT or SIGTERM (the server's life). */
const untilStopped = () =>
  new Promise<string>((resolve) => {
    const stop = (signal: string) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });

export const SERVER_VERBS: readonly Verb[] = [
  {
    words: 'serve',
    usage: '[--listen HOST:PORT] [--database URL] [--tls-cert FILE --tls-key FILE] [--passphrase-file FILE]',
    summary:
      "Run License Central as a server (HTTPS, JSON; the API at /openapi.json) for many administrators, on this home's ledger or a PostgreSQL database (--database postgres://…). Without a certificate it makes a self-signed one at the first start; clients pin its fingerprint, which it prints.",
    example: 'slr authority serve --listen 0.0.0.0:8443 --passphrase-file /secure/passphrase.txt',
    options: ['listen', 'database', 'tls-cert', 'tls-key'],
    where: 'local',
    run: async ({ values, ctx }) => {
      if ((values['tls-cert'] === undefined) !== (values['tls-key'] === undefined)) throw new UsageError('--tls-cert and --tls-key go together.');
      const { serve } = await import('../../server/serve.ts');
      const serving = await serve({
        home: ctx.home,
        listen: values.listen ?? '127.0.0.1:8443',
        database: values.database ?? movedLedger(ctx.home),
        tlsFiles: values['tls-cert'] ? { cert: values['tls-cert'], key: values['tls-key']! } : undefined,
        keySecret: passphraseSecret(values['passphrase-file']),
        clock: ctx.clock,
        // A connected satellite's rounds with its parent, each told on stderr (a failure with when it is tried again).
        satellite: { onRound: (r) => ctx.io.err(r.ok || 'failures' in r ? roundText(r) : `Synchronising with the parent: ${r.error.message}`) },
      });
      const lines = [
        `License Central serving at ${serving.url} (ledger: ${serving.database}).`,
        `Certificate SHA-256 fingerprint: ${serving.fingerprint}${serving.certificateMade ? ' (self-signed, made now)' : ''}`,
        `Connect: slr authority login --server ${serving.url} --user NAME --fingerprint ${serving.fingerprint}`,
        ...(serving.satellite
          ? [`Satellite of "${serving.satellite.parent}": synchronising with it by itself every ${serving.satellite.intervalMinutes} minutes.`]
          : []),
      ];
      ctx.io.out(ctx.json ? JSON.stringify({ ok: true, url: serving.url, fingerprint: serving.fingerprint, database: serving.database }) : lines.join('\n'));
      const signal = await untilStopped();
      await serving.close();
      ctx.io.err(`License Central stopped (${signal}).`);
    },
  },
  {
    words: 'migrate',
    usage: '--to postgres://… [--from FILE|URL]',
    summary:
      "Move the whole ledger (keys, licenses, instances, codes, the event log, users) into an empty database: this home's SQLite ledger (or --from) to PostgreSQL, or back. Checked on arrival (rows, conservation, the Licenses table, the event chain) before it is committed; the source is then marked moved and read-only (its writes are refused, naming the new ledger).",
    example: 'slr authority migrate --to postgres://slr@db.example/license_central',
    options: ['from', 'to'],
    required: ['to'],
    where: 'local',
    run: async ({ values, ctx, say }) => {
      const { openLedgerAt } = await import('../../authority/open-database.ts');
      const { migrateLedger } = await import('../../authority/migrate.ts');
      const actor = 'migrate';
      // Without --from, the home's ledger: its own SQLite file, or where an earlier move took it.
      const source = values.from ?? movedLedger(ctx.home);
      const from = await openLedgerAt(ctx.home, source, actor);
      try {
        const to = await openLedgerAt(ctx.home, values.to!, actor, undefined, true);
        try {
          const moved = await migrateLedger(from.ledger, to.ledger, ctx.now, from.where, to.where);
          // The home follows its ledger: its commands and `serve` work on the new one from now on.
          const follows = values.from === undefined && followMove(ctx.home, values.to!, ctx.now);
          const counts = Object.entries(moved.rows)
            .filter(([, n]) => n > 0)
            .map(([t, n]) => `${t} ${n}`)
            .join(', ');
          say(
            `Ledger moved from ${from.where} to ${describeDatabase(values.to!)} and checked on arrival (${counts}). ${
              follows
                ? `This home now works on it: its slr authority commands and serve use it (${LEDGER_POINTER}). A server still running on the old ledger refuses every change until it is restarted.`
                : 'Serve it with: slr authority serve --database <URL>.'
            }`,
            {
              from: from.where,
              to: to.where,
              rows: moved.rows,
              homeFollows: follows,
            },
          );
        } finally {
          await to.ledger.close();
        }
      } finally {
        await from.ledger.close();
      }
    },
  },
  {
    words: 'user add',
    usage: `<name> --role ${ROLE_LIST} [--account VA] [--password-file FILE] [--database URL]`,
    summary:
      'Add a user of the server: Smart Account Administrator (everything), or a Virtual Account Administrator or User of one virtual account. Without --password-file a one-time password is printed, to be changed at the first login.',
    example: 'slr authority user add alice --role va-admin --account Lab',
    options: ['role', 'account', 'password-file', 'database'],
    required: ['role'],
    positionals: ['name'],
    where: 'local',
    run: async ({ values, positionals, ctx, say, withLocalLedger }) => {
      const pw = values['password-file'] === undefined ? undefined : readPassphrase(values['password-file'], '--password-file');
      const r = await withLocalLedger((l) => l.addUser({ name: positionals[0]!, role: values.role!, account: values.account, password: pw }, ctx.now));
      const who = `User "${r.name}" added as ${ROLES[r.role].title}${r.account ? ` of "${r.account}"` : ''}.`;
      if (ctx.json) return say('', r);
      if (r.generatedPassword) {
        ctx.io.err(`${who}\nOne-time password (shown once; to be changed at the first login with slr authority password):`);
        ctx.io.out(r.generatedPassword);
      } else ctx.io.out(who);
    },
  },
  {
    words: 'user list',
    usage: '[--database URL]',
    summary: 'The users of the server: role, virtual account, whether disabled, API tokens.',
    example: 'slr authority user list',
    options: ['database'],
    where: 'local',
    run: async ({ ctx, say, withLocalLedger }) => {
      const users = await withLocalLedger((l) => l.listUsers());
      if (ctx.json) return say('', { users });
      ctx.io.out(
        table(
          ['User', 'Role', 'Virtual Account', 'State', 'API tokens', 'Created'],
          users.map((u) => [
            u.name,
            u.title,
            u.account ?? '(all)',
            u.disabled ? 'disabled' : u.mustChangePassword ? 'one-time password' : 'active',
            u.tokens,
            formatInstant(u.createdAt),
          ]),
        ),
      );
    },
  },
  {
    words: 'user disable',
    usage: '<name> [--database URL]',
    summary: 'Disable a user: their sessions and API tokens end at once (the log keeps what they did).',
    example: 'slr authority user disable alice',
    options: ['database'],
    positionals: ['name'],
    where: 'local',
    run: async ({ positionals, ctx, say, withLocalLedger }) => {
      const r = await withLocalLedger((l) => l.disableUser(positionals[0]!, ctx.now));
      say(`User "${positionals[0]}" disabled; ${counted(r.ended, 'session or API token', 'sessions and API tokens')} ended.`, { user: positionals[0], ...r });
    },
  },
  {
    words: 'user password',
    usage: '<name> [--password-file FILE] [--database URL]',
    summary: "Set a user's password (without --password-file: a one-time password, printed, to be changed at the next login); their sessions end.",
    example: 'slr authority user password alice',
    options: ['password-file', 'database'],
    positionals: ['name'],
    where: 'local',
    run: async ({ values, positionals, ctx, say, withLocalLedger }) => {
      const pw = values['password-file'] === undefined ? undefined : readPassphrase(values['password-file'], '--password-file');
      const r = await withLocalLedger((l) => l.setPassword({ name: positionals[0]!, password: pw }, ctx.now));
      if (ctx.json) return say('', { user: positionals[0], ...r });
      if (r.generatedPassword) {
        ctx.io.err(`Password of "${positionals[0]}" reset. One-time password (shown once):`);
        ctx.io.out(r.generatedPassword);
      } else ctx.io.out(`Password of "${positionals[0]}" set.`);
    },
  },
  {
    words: 'user token',
    usage: '<name> [--database URL]',
    summary: 'Make an API token for scripts acting as the user (shown once; only its hash is kept; it ends when the user is disabled).',
    example: 'slr authority user token reports-bot',
    options: ['database'],
    positionals: ['name'],
    where: 'local',
    run: async ({ positionals, ctx, say, withLocalLedger }) => {
      const r = await withLocalLedger((l) => l.newApiToken(positionals[0]!, ctx.now));
      if (ctx.json) return say('', r);
      ctx.io.err(`API token for "${positionals[0]}" (shown once; send it as "Authorization: Bearer <token>"):`);
      ctx.io.out(r.token);
    },
  },
  {
    words: 'login',
    usage: '--server URL --user NAME [--fingerprint SHA256] [--password-file FILE]',
    summary:
      "Log in to a License Central server: afterwards every slr authority command of this home runs there. The server's certificate must have the fingerprint given (its administrator has it from slr authority serve); the session is kept in this home (mode 0600).",
    example: 'slr authority login --server https://lc.example:8443 --user alice --fingerprint 3F:A2:…',
    options: ['server', 'user', 'fingerprint', 'password-file'],
    required: ['server', 'user'],
    where: 'anywhere',
    run: async (call) => {
      const { values, ctx, say } = call;
      const remote = await import('../../authority/remote/remote.ts');
      const { normaliseFingerprint } = await import('../../platform/fingerprint.ts');
      const pinned = values.fingerprint === undefined ? null : normaliseFingerprint(values.fingerprint);
      if (values.fingerprint !== undefined && !pinned) throw new UsageError('--fingerprint is a SHA-256 fingerprint: 64 hex digits, with or without colons.');
      if (!pinned) {
        const seen = await (await import('../../net/server-client.ts')).fetchCertificate(values.server!);
        refuse(
          'server-untrusted',
          `The server presents a certificate with the SHA-256 fingerprint ${seen.fingerprint}; nothing was sent to it.`,
          `Compare it with the one its administrator has (slr authority serve prints it), then log in again with --fingerprint ${seen.fingerprint}.`,
        );
      }
      const pw = await password(call, 'password-file', `Password for ${values.user} at ${values.server}: `);
      const { session, mustChangePassword } = await remote.loginWith({ server: values.server!, user: values.user!, password: pw, fingerprint: pinned });
      remote.saveSession(ctx.home, session);
      const then = mustChangePassword
        ? ' That password was a one-time one: set your own first (slr authority password --new-password-file FILE); every other command is refused until then.'
        : ' slr authority commands of this home now run there; slr authority logout ends it.';
      say(`Logged in as ${remote.describeSession(session)}.${then}`, {
        server: session.server,
        user: session.user,
        expiresAt: session.expiresAt,
        mustChangePassword,
      });
    },
  },
  {
    words: 'logout',
    usage: '',
    summary: "End this home's session on the License Central server (the server forgets it too, when it can be reached).",
    example: 'slr authority logout',
    options: [],
    where: 'session',
    run: async ({ ctx, say }) => {
      const remote = await import('../../authority/remote/remote.ts');
      const session = ctx.remote!.session;
      let ended = true;
      try {
        await (await import('../../net/server-client.ts')).callApi(session, 'logout', {});
      } catch {
        ended = false;
      }
      remote.forgetSession(ctx.home);
      say(`Logged out of ${session.server}${ended ? '' : ' here (the server could not be told; the session ends there when it expires)'}.`, {
        server: session.server,
        ended,
      });
    },
  },
  {
    words: 'password',
    usage: '[--new-password-file FILE] [--password-file FILE]',
    summary: 'Change your own password on the License Central server this home is logged in to (a one-time password must be changed first).',
    example: 'slr authority password --password-file old.txt --new-password-file new.txt',
    options: ['password-file', 'new-password-file'],
    where: 'session',
    run: async (call) => {
      const { ctx, say } = call;
      const current = await password(call, 'password-file', 'Current password: ');
      const next = await password(call, 'new-password-file', 'New password (12 characters or more): ');
      const remote = await import('../../authority/remote/remote.ts');
      await (await import('../../net/server-client.ts')).callApi(ctx.remote!.session, 'password', { current, new: next });
      remote.forgetSession(ctx.home);
      say('Password changed; every session of yours has ended, this one too: log in again with the new password.', { user: ctx.remote!.session.user });
    },
  },
];
