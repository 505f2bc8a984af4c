/**
 * Offline usage reports of the devices that hold their reservations from this License Central's satellites:
 * the event of each import at a satellite carries the report and the satellite's signed acknowledgement, and
 * travels up in its sync files (satellite/parent-sync.ts keeps them); the parent's `show usage-reports` lists
 * each device's last one with the same flags as its own devices'.
 */
import { DAY_MS } from '../../../shared/codes/dates.ts';
import { readUsageAck, readUsageReport, type UsageAck, type UsageReport } from '../../../shared/codes/usage-report.ts';
import { nameKey } from '../../../shared/text.ts';
import { parseUdi } from '../../../shared/udi.ts';
import type { UsageReportLine } from '../../../shared/authority/views.ts';
import { mayTouch } from './lookups.ts';
import type { LedgerStore } from './store.ts';

/**
 * The devices of this License Central's satellites, as their sync files brought their last usage reports (the
 * event of each import carries the report and the satellite's signed acknowledgement): by satellite and UDI.
 */
export async function satelliteUsageLines(c: LedgerStore, now: number, silentAfterDays: number | null, account: string | null): Promise<UsageReportLine[]> {
  const rows = await c.all<{ satellite: string; account: string | null; instance: string; at: number; code: string }>(
    `SELECT s.name AS satellite, e.account, e.instance, e.at, e.code FROM satellite_events e JOIN satellites s ON s.id = e.satellite_id
      WHERE e.type = 'usage-report' AND e.code IS NOT NULL ORDER BY e.at, e.event_id`,
  );
  const last = new Map<string, (typeof rows)[number]>();
  for (const r of rows) last.set(`${r.satellite}|${r.instance}`, r);
  const lines: UsageReportLine[] = [];
  for (const r of last.values()) {
    if (!r.account || (account !== null && nameKey(r.account) !== nameKey(account)) || !mayTouch(c, r.account)) continue;
    const [reportText, ackText] = r.code.split('\n');
    let report: UsageReport, ack: UsageAck;
    try {
      report = readUsageReport(reportText ?? '').body;
      ack = readUsageAck(ackText ?? '').body;
    } catch {
      continue; // an event of another shape (the satellite's own log says what it was)
    }
    const silent = silentAfterDays !== null && now - Number(r.at) > silentAfterDays * DAY_MS;
    lines.push({
      account: r.account,
      udi: report.udi,
      sn: parseUdi(report.udi).sn,
      satellite: r.satellite,
      reservedAt: null,
      last: {
        seq: report.seq,
        madeAt: report.at,
        importedAt: ack.at,
        status: report.authorization,
        usage: report.usage,
        overageMs: report.overageMs,
        missing: ack.missing,
      },
      over: ack.over,
      flags: [...(ack.over.length ? (['over-reserved'] as const) : []), ...(silent ? (['silent'] as const) : [])],
    });
  }
  return lines;
}
