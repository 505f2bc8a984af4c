/** `slr authority show …`: the Licenses and Instances tables and the event log, as text, CSV or JSON. */
import { refuse } from '../../../shared/errors.ts';
import { formatInstant } from '../../../shared/codes/dates.ts';
import { toCsv } from '../../../shared/csv.ts';
import { authorityEventsCsv } from '../../../shared/events.ts';
import { DEVICE_FINDINGS, EVENTS_PAGE } from '../../../shared/authority/views.ts';
import type { Call } from './verb.ts';
import { table, UsageError, verifyLog } from '../output.ts';
import { count } from './args.ts';
import { eachLogPage } from '../../authority/whole-log.ts';

/** A table as aligned text, or as CSV (RFC 4180, header first) with --csv. */
export function printTable(call: Call, header: readonly string[], rows: readonly (readonly (string | number)[])[]): void {
  // In CSV, a cell with nothing in it is empty (the text table shows "-").
  call.ctx.io.out(
    call.values.csv
      ? toCsv(
          header,
          rows.map((r) => r.map((c) => (c === '-' ? '' : c))),
        ).trimEnd()
      : table(header, rows),
  );
}

/** Licenses by short name and count, as `UCM_Basic=3 UCM_CUWL=1` ("-" for none). */
const licenseList = (m: Readonly<Record<string, number>>) =>
  Object.entries(m)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ') || '-';

export async function showLicenses(call: Call): Promise<void> {
  const { values, ctx, withLedger } = call;
  const lines = await withLedger((l) => l.licenses(ctx.now, values.account));
  if (ctx.json) return ctx.io.out(JSON.stringify({ ok: true, licenses: lines }));
  if (!lines.length && !values.csv) return ctx.io.out('No licenses valid now.');
  printTable(
    call,
    ['Virtual Account', 'License', 'Level', 'Expires', 'Purchased', 'Reserved', 'In Transition', 'Available'],
    lines.map((r) => [r.account, r.short, r.level ?? '-', r.expires || '-', r.purchased, r.reserved, r.inTransition, r.available]),
  );
}

export async function showInstances(call: Call): Promise<void> {
  const { values, ctx, withLedger } = call;
  const rows = await withLedger((l) => l.instances(values.account, values.all ?? false));
  if (ctx.json) return ctx.io.out(JSON.stringify({ ok: true, instances: rows }));
  if (!rows.length && !values.csv) return ctx.io.out('No product instances.');
  printTable(
    call,
    ['Virtual Account', 'Name', 'Product Type', 'Last Contact', 'State', 'Reserved', 'In Transition', 'Device State', 'Cluster Nodes'],
    rows.map((r) => [
      r.account,
      `UDI_PID ${r.product}; UDI_SN ${r.sn}`,
      r.productType,
      `${formatInstant(r.lastContact)} (Reserved Licenses)`,
      r.locked ? `${r.state}, LOCKED` : r.state,
      licenseList(r.reserved),
      licenseList(r.inTransition),
      // In a word here; the whole text is in the event log and in --json.
      r.deviceFinding && r.deviceWarningAt !== null ? `${DEVICE_FINDINGS[r.deviceFinding]} (${formatInstant(r.deviceWarningAt)})` : '-',
      // A cluster publisher's reservation is the whole cluster's: its subscribers, as its request code named them.
      r.nodes.length ? r.nodes.join(', ') : '-',
    ]),
  );
}

export async function showEvents({ values, ctx, withLedger, withLocalLedger }: Call): Promise<void> {
  if (values.satellite !== undefined && values.verify)
    throw new UsageError("--verify checks this License Central's own log; a satellite's events were checked against its chain of hashes when they came.");
  if (values.satellite !== undefined && ctx.remote)
    refuse('local-only', "A satellite's events are kept in its parent's own ledger.", "Run this on the parent's home, not logged in to a server.");
  if (values.verify) {
    const result = await withLedger((l) => l.verifyEvents());
    if (!result.broken && result.sealProblem)
      refuse('log-tampered', `The event log's chain is intact, but ${result.sealProblem}.`, 'Compare with a backup (slr authority backup) or an exported CSV.');
    return verifyLog(result, () => result.broken!.event, ctx);
  }
  const satellite = values.satellite;
  const page = eventPage(values);
  if (satellite !== undefined && (values.limit !== undefined || values.before !== undefined))
    throw new UsageError("--limit and --before page through this License Central's own log, not a satellite's events.");
  // --csv alone is an export: the whole log, written a page at a time as it is read (a long log is never held whole).
  if (satellite === undefined && values.csv && !ctx.json && values.limit === undefined && values.before === undefined) {
    let header = true;
    return withLedger((l) =>
      eachLogPage(l, values.account, (events) => {
        const csv = authorityEventsCsv(events);
        ctx.io.out(header ? csv : csv.slice(csv.indexOf('\r\n') + 2));
        header = false;
      }).then(() => {
        if (header) ctx.io.out(authorityEventsCsv([])); // an empty log: the header alone
      }),
    );
  }
  const events = await (satellite !== undefined
    ? withLocalLedger((l) => l.satelliteEvents(satellite, values.account))
    : withLedger((l) => l.events(values.account, page)));
  // A full page may have older events before it: said on stderr, so that the output itself stays the page.
  const first = events[0];
  if (
    satellite === undefined &&
    first &&
    events.length === page.limit &&
    (await withLedger((l) => l.events(values.account, { limit: 1, before: Number(first.id) }))).length
  )
    ctx.io.err(`The latest ${events.length} events are listed; older ones: add --before ${first.id}.`);
  if (ctx.json) return ctx.io.out(JSON.stringify({ ok: true, events }));
  if (values.csv) return ctx.io.out(authorityEventsCsv(events));
  if (!events.length) return ctx.io.out('No events.');
  // The Instance column gives a UDI's serial number (its message names the device where it matters).
  const rows = events.map((e) => [
    formatInstant(e.at),
    e.actor,
    e.account ?? '',
    e.type,
    e.instance ? (/,S:([^,]+),/.exec(e.instance)?.[1] ?? e.instance) : '',
    e.message,
  ]);
  ctx.io.out(table(['Time', 'Actor', 'Virtual Account', 'Event', 'Instance', 'Message'], rows));
}

/** The product instances registered online (Smart Licensing), beside the reserved ones (show instances). */
export async function showRegistered(call: Call): Promise<void> {
  const { values, ctx, withLedger } = call;
  const rows = await withLedger((l) => l.registeredInstances(ctx.now, values.account));
  if (ctx.json) return ctx.io.out(JSON.stringify({ ok: true, registered: rows }));
  if (!rows.length && !values.csv) return ctx.io.out('No product instances registered online.');
  printTable(
    call,
    [
      'Instance',
      'Virtual Account',
      'UDI',
      'Registered',
      'Registration Expires',
      'Authorization Expires',
      'Last Contact',
      'Last Usage Report',
      'Export-Controlled',
      'Usage',
      'Status',
      'Export Keys',
      'Cluster Nodes',
    ],
    rows.map((r) => [
      r.instance,
      r.account,
      r.udi,
      formatInstant(r.registeredAt),
      formatInstant(r.registrationExpires),
      formatInstant(r.authorizationExpires),
      formatInstant(r.lastContact),
      r.lastUsageReport === null ? '-' : formatInstant(r.lastUsageReport),
      r.exportControlled ? 'allowed' : 'not allowed',
      licenseList(r.usage),
      r.compliance,
      r.exportKeys.join(' ') || '-',
      r.nodes.join(' ') || '-',
    ]),
  );
}

/** --limit (1 to 10,000; 10,000 by default) and --before (an event's number) of `show events`. */
function eventPage(values: Call['values']): { limit: number; before: number | undefined } {
  const limit = values.limit === undefined ? EVENTS_PAGE : count(values.limit, '--limit');
  if (limit < 1 || limit > EVENTS_PAGE) throw new UsageError(`--limit takes 1 to ${EVENTS_PAGE}, not ${limit}.`);
  const before = values.before === undefined ? undefined : count(values.before, '--before');
  if (before === 0) throw new UsageError('--before takes the number of an event (1 or more).');
  return { limit, before };
}
