/** `slr authority …`: the license authority (the seeds' License Central) on the command line. */
import { parseArgs } from 'node:util';
import { formatInstant, parseIsoDate } from '../../shared/codes/dates.ts';
import { authorityEventsCsv } from '../../shared/events.ts';
import { withLedger as withDirLedger, type Ledger } from '../services/authority/ledger.ts';
import { readCodeFile, writeCodeFile, writeTextFile } from '../services/files.ts';
import { table, UsageError, type Io } from './output.ts';

export const AUTHORITY_USAGE = `Usage: slr authority [--home DIR] [--json] <command>

  init --account "<smart account name>"        signing key, smart account, virtual account "Default"
  key export [--id ID] [--out FILE]            the key file devices trust (slr license trust add), with the
                                               endorsements that let devices trusting an older key accept it
  key add | key retire <id> | key list         rotate signing keys without breaking installed codes
  clock accept --reason "<text>"               accept this clock after one that ran ahead (logged)
  account add <virtual account>
  license add --account VA --tag TAG --count N [--type TERM --start YYYY-MM-DD --end YYYY-MM-DD]
  reserve --account VA --request "<request code>" --license TAG=N [--license …] [--out FILE|DIR]
  update --instance <UDI or SN> --license TAG=N [--license …] [--out FILE|DIR]   (N=0 removes a license)
  confirm --instance <UDI or SN> "<confirmation code>"
  remove --instance <UDI or SN> --return-code "<return code>"
  rehost --instance <UDI or SN> --request "<new request code>" --reason "<text>" [--out FILE|DIR]
  transfer --instance <UDI or SN> --to VA
  transfer-licenses --from VA --to VA --tag TAG --count N
  unlock --instance <UDI or SN>
  code --instance <UDI or SN> [--out FILE|DIR]  the latest authorization code again
  show licenses | instances | events [--account VA] [--all] [--csv]

TAG is a full entitlement tag or a catalog short name (UCM_Basic, CUC_BasicMessaging, …).
--request and the codes also accept @FILE to read them from a file.`;

export interface AuthorityContext {
  readonly io: Io;
  readonly json: boolean;
  readonly now: number;
  readonly home: string;
}

const OPTIONS = {
  account: { type: 'string' },
  request: { type: 'string' },
  license: { type: 'string', multiple: true },
  out: { type: 'string' },
  tag: { type: 'string' },
  count: { type: 'string' },
  type: { type: 'string' },
  start: { type: 'string' },
  end: { type: 'string' },
  instance: { type: 'string' },
  'return-code': { type: 'string' },
  reason: { type: 'string' },
  to: { type: 'string' },
  from: { type: 'string' },
  id: { type: 'string' },
  all: { type: 'boolean' },
  csv: { type: 'boolean' },
} as const;

type Values = ReturnType<typeof parse>['values'];

function parse(args: readonly string[]) {
  try {
    return parseArgs({ args: [...args], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

function need(values: Values, ...names: (keyof Values)[]): void {
  const missing = names.filter((n) => values[n] === undefined);
  if (missing.length) throw new UsageError(`Missing ${missing.map((m) => `--${m}`).join(', ')}.`);
}

/** A code given on the command line, or @FILE (read with the same bounds and checks as install-file). */
function codeArg(value: string): string {
  return value.startsWith('@') ? readCodeFile(value.slice(1)) : value;
}

function count(text: string | undefined, what: string): number {
  if (!text || !/^[0-9]{1,7}$/.test(text)) throw new UsageError(`${what} must be a whole number, not "${text ?? ''}".`);
  return Number(text);
}

function licenses(values: Values): Record<string, number> {
  const out: Record<string, number> = {};
  for (const spec of values.license ?? []) {
    const m = /^([^=]+)=([0-9]{1,7})$/.exec(spec.trim());
    if (!m) throw new UsageError(`--license takes TAG=N, not "${spec}".`);
    out[m[1]!.trim()] = Number(m[2]);
  }
  if (!Object.keys(out).length) throw new UsageError('Name at least one --license TAG=N.');
  return out;
}

export function authorityCommand(args: readonly string[], ctx: AuthorityContext): void {
  const { values, positionals } = parse(args);
  const [verb, ...rest] = positionals;
  const say = (text: string, json: object) => ctx.io.out(ctx.json ? JSON.stringify({ ok: true, ...json }) : text);
  const withLedger = <T>(fn: (l: Ledger) => T, create = false): T => withDirLedger(ctx.home, fn, create);
  const issued = (what: string, r: { code: string; sn: string; udi: string; piid: string }) => {
    const file = values.out ? writeCodeFile(values.out, r.sn, 'authorization', r.code) : null;
    say(file ? `${what}\nAuthorization code for ${r.udi} written to ${file}.` : `${what}\nAuthorization code for ${r.udi}:\n${r.code}`, { ...r, file });
  };

  switch (verb) {
    case 'init': {
      need(values, 'account');
      const r = withLedger((l) => l.init(values.account!, ctx.now), true);
      return say(
        `License authority "${values.account}" created in ${ctx.home}, with virtual account "Default".\nSigning key ${r.keyId}: export it with \`slr authority key export --out FILE\` for devices to trust.`,
        { keyId: r.keyId },
      );
    }
    case 'key': {
      const [sub, id] = rest;
      if (sub === 'export') {
        const k = withLedger((l) => l.exportKey(values.id));
        if (values.out) {
          writeTextFile(values.out, k.file);
          return say(`Key file for signing key ${k.id} written to ${values.out}.`, { keyId: k.id, file: values.out });
        }
        return ctx.json ? say('', { keyId: k.id, publicKey: k.pem, keyFile: k.file }) : ctx.io.out(k.file);
      }
      if (sub === 'add') {
        const r = withLedger((l) => l.addKey(ctx.now));
        return say(
          `Signing key ${r.keyId} added${r.endorsedBy ? `, endorsed by key ${r.endorsedBy}` : ''}; new codes are signed with it. Export it (key export --out FILE) and add that file on devices before they install such codes.`,
          r,
        );
      }
      if (sub === 'retire') {
        if (!id) throw new UsageError('Usage: slr authority key retire <id>');
        withLedger((l) => l.retireKey(id, ctx.now));
        return say(`Signing key ${id} retired.`, { keyId: id });
      }
      if (sub === 'list') {
        const keys = withLedger((l) => l.keys());
        return ctx.json
          ? say('', { keys })
          : ctx.io.out(
              table(
                ['Key id', 'Created', 'Retired', 'Signs new codes'],
                keys.map((k) => [k.id, formatInstant(k.createdAt), k.retiredAt ? formatInstant(k.retiredAt) : '-', k.active ? 'yes' : 'no']),
              ),
            );
      }
      throw new UsageError('Usage: slr authority key export [--out FILE] | add | retire <id> | list');
    }
    case 'account': {
      if (rest[0] !== 'add' || !rest[1] || rest.length !== 2) throw new UsageError('Usage: slr authority account add <virtual account>');
      withLedger((l) => l.addAccount(rest[1]!, ctx.now));
      return say(`Virtual account "${rest[1]}" created.`, { account: rest[1] });
    }
    case 'license': {
      if (rest[0] !== 'add') throw new UsageError('Usage: slr authority license add --account VA --tag TAG --count N [--type TERM --start … --end …]');
      need(values, 'account', 'tag', 'count');
      const type = (values.type ?? 'PERPETUAL').toUpperCase();
      if (type !== 'PERPETUAL' && type !== 'TERM') throw new UsageError('--type is PERPETUAL or TERM.');
      if (type === 'TERM') need(values, 'start', 'end');
      else if (values.start || values.end) throw new UsageError('--start and --end go with --type TERM.');
      const term = type === 'TERM' ? { start: parseIsoDate(values.start!, '--start'), end: parseIsoDate(values.end!, '--end') } : undefined;
      const n = count(values.count, '--count');
      withLedger((l) => l.addLicenses({ account: values.account!, tag: values.tag!, count: n, term }, ctx.now));
      return say(`${n} x ${values.tag} added to "${values.account}".`, { account: values.account, tag: values.tag, count: n });
    }
    case 'reserve': {
      need(values, 'account', 'request');
      const r = withLedger((l) => l.reserve({ account: values.account!, request: codeArg(values.request!), licenses: licenses(values) }, ctx.now));
      return issued(`Licenses reserved (reservation ${r.piid}). Install the code on the device: license smart reservation install-file <file>.`, r);
    }
    case 'update': {
      need(values, 'instance');
      const r = withLedger((l) => l.update({ instance: values.instance!, licenses: licenses(values) }, ctx.now));
      return issued(
        `Reservation updated.${r.inTransition ? ` ${r.inTransition} license(s) stay in transition until the device's confirmation code is entered (slr authority confirm).` : ''}`,
        r,
      );
    }
    case 'confirm': {
      need(values, 'instance');
      if (rest.length !== 1) throw new UsageError('Usage: slr authority confirm --instance <UDI or SN> "<confirmation code>"');
      const r = withLedger((l) => l.confirm({ instance: values.instance!, code: codeArg(rest[0]!) }, ctx.now));
      return say(`Confirmation code accepted for ${r.udi}: ${r.released} license(s) released from transition.`, r);
    }
    case 'remove': {
      need(values, 'instance', 'return-code');
      const r = withLedger((l) => l.remove({ instance: values.instance!, returnCode: codeArg(values['return-code']!) }, ctx.now));
      return say(`Product instance ${r.udi} removed: ${r.released} license(s) returned to the pool.`, r);
    }
    case 'rehost': {
      need(values, 'instance', 'request', 'reason');
      const r = withLedger((l) => l.rehost({ instance: values.instance!, request: codeArg(values.request!), reason: values.reason! }, ctx.now));
      return issued(`Licenses rehosted to ${r.udi} (reservation ${r.piid}); the failed product can no longer confirm or return.`, r);
    }
    case 'transfer': {
      need(values, 'instance', 'to');
      withLedger((l) => l.transfer({ instance: values.instance!, to: values.to! }, ctx.now));
      return say(`Product instance transferred to "${values.to}" with its reserved licenses.`, { to: values.to });
    }
    case 'transfer-licenses': {
      need(values, 'from', 'to', 'tag', 'count');
      const n = count(values.count, '--count');
      withLedger((l) => l.transferLicenses({ from: values.from!, to: values.to!, tag: values.tag!, count: n }, ctx.now));
      return say(`${n} x ${values.tag} transferred from "${values.from}" to "${values.to}".`, { from: values.from, to: values.to, tag: values.tag, count: n });
    }
    case 'unlock': {
      need(values, 'instance');
      withLedger((l) => l.unlock({ instance: values.instance! }, ctx.now));
      return say('Product instance unlocked.', { instance: values.instance });
    }
    case 'code': {
      need(values, 'instance');
      const r = withLedger((l) => l.latestCode(values.instance!));
      return issued('The latest authorization code:', r);
    }
    case 'clock': {
      if (rest[0] !== 'accept' || rest.length !== 1) throw new UsageError('Usage: slr authority clock accept --reason "<text>"');
      need(values, 'reason');
      const r = withLedger((l) => l.acceptClock(values.reason!, ctx.now));
      return say(`The clock (${formatInstant(ctx.now)}) is accepted as the latest time seen${r.from === null ? '' : ` (it was ${formatInstant(r.from)})`}.`, {
        from: r.from,
        now: ctx.now,
      });
    }
    case 'show':
      return show(rest, values, ctx, withLedger);
    default:
      throw new UsageError(verb ? `Unknown command: slr authority ${verb}` : 'Usage: slr authority <command> (see slr authority --help)');
  }
}

function show(rest: readonly string[], values: Values, ctx: AuthorityContext, withLedger: <T>(fn: (l: Ledger) => T) => T): void {
  const what = rest[0];
  const json = (o: object) => ctx.io.out(JSON.stringify({ ok: true, ...o }));
  if (what === 'licenses') {
    const lines = withLedger((l) => l.licenses(ctx.now, values.account));
    if (ctx.json) return json({ licenses: lines });
    if (!lines.length) return ctx.io.out('No licenses valid now.');
    return ctx.io.out(
      table(
        ['Virtual Account', 'License', 'Level', 'Expires', 'Purchased', 'Reserved', 'In Transition', 'Available'],
        lines.map((r) => [r.account, r.short, r.level ?? '-', r.expires || '-', r.purchased, r.reserved, r.inTransition, r.available]),
      ),
    );
  }
  if (what === 'instances') {
    const rows = withLedger((l) => l.instances(values.account, values.all ?? false));
    if (ctx.json) return json({ instances: rows });
    if (!rows.length) return ctx.io.out('No product instances.');
    const fmt = (m: Readonly<Record<string, number>>) =>
      Object.entries(m)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ') || '-';
    return ctx.io.out(
      table(
        ['Virtual Account', 'Name', 'Product Type', 'Last Contact', 'State', 'Reserved', 'In Transition'],
        rows.map((r) => [
          r.account,
          `UDI_PID ${r.udi.slice(2, r.udi.indexOf(','))}; UDI_SN ${r.sn}`,
          r.productType,
          `${formatInstant(r.lastContact)} (Reserved Licenses)`,
          r.locked ? `${r.state}, LOCKED` : r.state,
          fmt(r.reserved),
          fmt(r.inTransition),
        ]),
      ),
    );
  }
  if (what === 'events') {
    const events = withLedger((l) => l.events(values.account));
    if (ctx.json) return json({ events });
    if (values.csv) return ctx.io.out(authorityEventsCsv(events));
    return ctx.io.out(
      events
        .map(
          (e) =>
            `${formatInstant(e.at)}  ${e.actor}  ${(e.account ?? '').padEnd(12)}  ${e.type.padEnd(18)}  ${e.instance ? `${e.instance}: ` : ''}${e.message}`,
        )
        .join('\n'),
    );
  }
  throw new UsageError('Usage: slr authority show licenses | instances | events [--account VA]');
}
