/**
 * The ledger's side of offline usage reports (shared/codes/usage-report.ts): a reserved device's report
 * imported, checked (its device key, its reservation, its number) and answered with a signed
 * acknowledgement; per instance, its last report and whether it uses more than it holds or has gone silent.
 *
 * A report is counted once: the same report again answers the acknowledgement it was given (nothing new is
 * recorded), an older one than the last imported is refused (its figures are in the later one), and another
 * report under a number already imported means the device's state was copied or put back (refused, and
 * recorded as a finding on the instance). A report after a gap is taken: it covers the time since the last
 * one the device saw acknowledged, so what never arrived is in it.
 */
import { DAY_MS, formatInstant } from '../../../shared/codes/dates.ts';
import { makeUsageAck, overReserved, readUsageReport, reportHash, type UsageAck, type UsageReport } from '../../../shared/codes/usage-report.ts';
import { satelliteUsageLines } from './usage-satellites.ts';
import { witnessFindings } from './witness-check.ts';
import { findEntitlement } from '../../../shared/catalog.ts';
import { refuse, SlrError } from '../../../shared/errors.ts';
import { counted } from '../../../shared/lifetime.ts';
import { parseUdi } from '../../../shared/udi.ts';
import type { UsageReportLine } from '../../../shared/authority/views.ts';
import { cryptoBasics, verifyDeviceSignature } from '../../platform/crypto.ts';
import { findAccount, findInstance, INSTANCE_SELECT, mayTouch, productOf, udiOf, type InstanceRow } from './lookups.ts';
import { observeDeviceState } from './device-state.ts';
import { ledgerCrypto, signingKey } from './signing.ts';
import type { LedgerStore } from './store.ts';

const POLICY_KEY = 'usage_silent_days';

interface ReportRow {
  readonly instance_id: number;
  readonly seq: number;
  readonly hash: string;
  readonly made_at: number;
  readonly usage: string;
  readonly status: string;
  readonly overage_ms: number;
  readonly over: string;
  readonly missing: number;
  readonly imported_at: number;
  readonly ack: string;
}

export interface UsageImported {
  readonly udi: string;
  readonly sn: string;
  readonly seq: number;
  /** The signed acknowledgement to take back to the device. */
  readonly ack: string;
  /** The same report was imported before: its acknowledgement again, nothing counted twice. */
  readonly replayed: boolean;
  readonly missing: number;
  readonly over: UsageAck['over'];
  readonly message: string;
  /** What the report's state digest says of the device (device-state.ts). */
  readonly warnings: string[];
}

/** What the instance holds now, by tag: its holdings and what is still in transition to it (its device may still run the older code). */
async function heldByTag(c: LedgerStore, instanceId: number): Promise<Record<string, number>> {
  const rows = await c.all<{ tag: string; n: number }>(
    `SELECT l.tag AS tag, sum(x.count) AS n FROM (SELECT lot_id, count FROM holdings WHERE instance_id = ? UNION ALL SELECT lot_id, count FROM transitions WHERE instance_id = ?) x JOIN lots l ON l.id = x.lot_id GROUP BY l.tag`,
    instanceId,
    instanceId,
  );
  return Object.fromEntries(rows.map((r) => [r.tag, Number(r.n)]));
}

/** The active instance a report names, its reservation checked: a report of an earlier reservation is refused, saying so. */
async function reportedInstance(c: LedgerStore, report: UsageReport): Promise<InstanceRow> {
  const udi = parseUdi(report.udi, 'The usage report’s UDI');
  let instance: InstanceRow;
  try {
    instance = await findInstance(c, `U:${udi.uuid}`);
  } catch (e) {
    if (!(e instanceof SlrError) || e.code !== 'no-instance') throw e;
    const old = await c.get<{ state: string; account: string }>(
      "SELECT i.state, a.name AS account FROM instances i JOIN accounts a ON a.id = i.account_id WHERE i.piid = ? AND i.state <> 'active'",
      report.piid,
    );
    if (old && mayTouch(c, old.account))
      refuse(
        'reservation-closed',
        `This usage report is of reservation ${report.piid}, which is no longer active here (${old.state}): nothing was recorded.`,
        'A device that still runs it should return it, or request a new reservation.',
      );
    throw e;
  }
  if (instance.piid !== report.piid)
    refuse(
      'other-reservation',
      `This usage report is of reservation ${report.piid}; ${udiOf(instance)}'s reservation here is ${instance.piid}: nothing was recorded.`,
      'Make a new report on the device once it runs a code of its current reservation.',
    );
  return instance;
}

/** The acknowledgement of a new report: signed with the key of the instance's latest code (which the device trusts), else the active key. */
async function acknowledge(c: LedgerStore, instance: InstanceRow, ack: Omit<UsageAck, 'keyId'>): Promise<string> {
  const latest = await c.get<{ key_id: string }>(
    'SELECT c.key_id FROM codes c JOIN signing_keys k ON k.id = c.key_id WHERE c.instance_id = ? AND k.retired_at IS NULL ORDER BY c.timestamp DESC LIMIT 1',
    instance.id,
  );
  const keyId = latest?.key_id ?? (await signingKey(c)).id;
  const crypto = await ledgerCrypto(c);
  return makeUsageAck({ ...ack, keyId }, (m) => crypto.sign(keyId, m));
}

/**
 * A report that is not the next one: the same again (answered with its acknowledgement), an older one
 * (refused), or another under a number already imported (a conflict: recorded on the instance, then refused
 * once that is saved).
 */
async function checkOrder(
  c: LedgerStore,
  instance: InstanceRow,
  report: UsageReport,
  hash: string,
  now: number,
): Promise<{ same: ReportRow } | { conflict: string } | { lastSeq: number }> {
  const same = await c.get<ReportRow>('SELECT * FROM usage_reports WHERE instance_id = ? AND seq = ?', instance.id, report.seq);
  if (same?.hash === hash) return { same };
  const udi = udiOf(instance);
  if (same) {
    const message = `Usage report #${report.seq} of ${udi} differs from the report #${report.seq} imported on ${formatInstant(same.imported_at)}: the device's state was copied or put back since.`;
    await c.run("UPDATE instances SET device_finding = 'rolled-back', device_warning = ?, device_warning_at = ? WHERE id = ?", message, now, instance.id);
    await c.log(now, 'device-state', message, { account: instance.account, instance: udi });
    return { conflict: message };
  }
  const last = await c.get<{ seq: number; imported_at: number }>(
    'SELECT seq, imported_at FROM usage_reports WHERE instance_id = ? ORDER BY seq DESC LIMIT 1',
    instance.id,
  );
  if (last && report.seq < last.seq)
    refuse(
      'report-stale',
      `Usage report #${report.seq} of ${udi} is older than report #${last.seq}, imported on ${formatInstant(last.imported_at)}: its figures are in that one, so nothing was counted.`,
      'Nothing to do: the device imports the acknowledgement of the later report.',
    );
  return { lastSeq: last ? Number(last.seq) : 0 };
}

export async function importUsageReport(c: LedgerStore, input: { report: string }, now: number): Promise<UsageImported> {
  const { body: report, signed, signature, text } = readUsageReport(input.report);
  const hash = reportHash(cryptoBasics.sha256, text);
  const done = await c.write(now, async (): Promise<UsageImported | { conflict: string }> => {
    const instance = await reportedInstance(c, report);
    const udi = udiOf(instance);
    if (!verifyDeviceSignature(instance.device_key, signed, signature))
      refuse(
        'untrusted',
        `The usage report's signature does not verify with ${udi}'s device key: it was altered, or made by another device.`,
        'Nothing was recorded. Make the report again on the device and carry the file unchanged.',
      );
    const earlier = await checkOrder(c, instance, report, hash, now);
    if ('conflict' in earlier) return earlier;
    if ('lastSeq' in earlier) return record(c, instance, report, { hash, text, lastSeq: earlier.lastSeq }, now);
    const r = earlier.same;
    const message = `Usage report #${report.seq} of ${udi} was already imported on ${formatInstant(r.imported_at)}: its acknowledgement again; nothing counted twice.`;
    const over = JSON.parse(r.over) as UsageAck['over'];
    return { udi, sn: instance.sn, seq: report.seq, ack: r.ack, replayed: true, missing: Number(r.missing), over, message, warnings: [] };
  });
  if ('conflict' in done)
    refuse(
      'report-conflict',
      `${done.conflict} Nothing was counted.`,
      'Check the device: `show license status` and its event log; a device run from a copy of its state file should be recovered.',
    );
  return done;
}

/** A new report recorded, logged and acknowledged; its state digest checked as a code's is. */
async function record(
  c: LedgerStore,
  instance: InstanceRow,
  report: UsageReport,
  { hash, text, lastSeq }: { hash: string; text: string; lastSeq: number },
  now: number,
): Promise<UsageImported> {
  const udi = udiOf(instance);
  // Checked against the log before this import adds to it. A ledger that went back cannot judge the device's
  // digest (it would call the code it lost foreign): the witness says which.
  const behind = await witnessFindings(c, instance, report, now);
  const missing = report.seq - lastSeq - 1;
  const reserved = await heldByTag(c, instance.id);
  const over = overReserved(report.usage, reserved);
  const ack = await acknowledge(c, instance, { udi, piid: instance.piid, seq: report.seq, report: hash, at: now, reserved, over, missing });
  await c.run(
    'INSERT INTO usage_reports (instance_id, seq, hash, made_at, usage, status, overage_ms, over, missing, imported_at, ack) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ...[
      instance.id,
      report.seq,
      hash,
      report.at,
      JSON.stringify(report.usage),
      report.authorization,
      report.overageMs,
      JSON.stringify(over),
      missing,
      now,
      ack,
    ],
  );
  await c.run('UPDATE instances SET last_contact = ? WHERE id = ?', Math.max(now, Number(instance.last_contact)), instance.id);
  const product = productOf(instance);
  const overWords = over.map((o) => `${findEntitlement(product, o.tag)?.short ?? o.tag} ${o.inUse} of ${o.reserved} reserved`).join(', ');
  const message =
    `Usage report #${report.seq} of ${udi} (made ${formatInstant(report.at)}, ${report.authorization}) imported` +
    (over.length ? `: in use beyond what is reserved: ${overWords}` : ': within what is reserved') +
    (missing > 0 ? `; ${counted(missing, 'earlier report')} never arrived (their figures are in this one)` : '') +
    '.';
  // The event carries the report and its acknowledgement (both signed): a satellite's go up in its sync files.
  await c.log(now, 'usage-report', message, { account: instance.account, instance: udi, code: `${text}\n${ack}` });
  const [ran, anchors] = report.digest.split('.').map(Number) as [number, number];
  const warnings = behind.length ? behind : await observeDeviceState(c, instance, { ran, anchors }, { kind: 'usage-report', text }, now);
  return { udi, sn: instance.sn, seq: report.seq, ack, replayed: false, missing, over, message, warnings };
}

/** The silence policy: after how many days without a report a reserved instance is flagged (null: no policy). */
export async function usagePolicy(c: LedgerStore): Promise<{ silentAfterDays: number | null }> {
  const row = await c.get<{ value: string }>('SELECT value FROM meta WHERE key = ?', POLICY_KEY);
  return { silentAfterDays: row ? Number(row.value) : null };
}

export async function setUsagePolicy(c: LedgerStore, input: { silentAfterDays: number | null }, now: number): Promise<void> {
  const days = input.silentAfterDays;
  if (days !== null && (!Number.isSafeInteger(days) || days < 1 || days > 3650))
    refuse('bad-count', `The silence policy is a number of days from 1 to 3650, not ${days}.`);
  await c.write(now, async () => {
    if (days === null) await c.run('DELETE FROM meta WHERE key = ?', POLICY_KEY);
    else await c.run('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', POLICY_KEY, String(days));
    await c.log(
      now,
      'usage-policy',
      days === null
        ? 'Usage report silence policy removed: no instance is flagged silent.'
        : `Usage report silence policy: a reserved instance without a usage report for ${counted(days, 'day')} is flagged silent.`,
    );
  });
}

/** Per active reserved instance (of a virtual account): its last usage report, and its flags. */
export async function usageReports(c: LedgerStore, now: number, account?: string): Promise<{ silentAfterDays: number | null; lines: UsageReportLine[] }> {
  const { silentAfterDays } = await usagePolicy(c);
  const only = account === undefined ? null : (await findAccount(c, account)).id;
  const instances = (await c.all<InstanceRow>(`${INSTANCE_SELECT} WHERE i.state = 'active' ORDER BY a.name, i.sn`)).filter(
    (i) => (only === null || i.account_id === only) && mayTouch(c, i.account),
  );
  const lines: UsageReportLine[] = [];
  for (const i of instances) {
    const r = await c.get<ReportRow>('SELECT * FROM usage_reports WHERE instance_id = ? ORDER BY seq DESC LIMIT 1', i.id);
    const over = r ? (JSON.parse(r.over) as UsageAck['over']) : [];
    const since = r ? Number(r.imported_at) : Number(i.created_at);
    const silent = silentAfterDays !== null && now - since > silentAfterDays * DAY_MS;
    lines.push({
      account: i.account,
      udi: udiOf(i),
      sn: i.sn,
      satellite: null,
      reservedAt: Number(i.created_at),
      last: r
        ? {
            seq: Number(r.seq),
            madeAt: Number(r.made_at),
            importedAt: Number(r.imported_at),
            status: r.status,
            usage: JSON.parse(r.usage) as Record<string, number>,
            overageMs: Number(r.overage_ms),
            missing: Number(r.missing),
          }
        : null,
      over,
      flags: [...(over.length ? (['over-reserved'] as const) : []), ...(silent ? (['silent'] as const) : [])],
    });
  }
  return { silentAfterDays, lines: [...lines, ...(await satelliteUsageLines(c, now, silentAfterDays, only === null ? null : account!))] };
}
