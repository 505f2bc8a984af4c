/** The dates the ledger keeps that run out (shared/authority/expiring.ts orders them and gives the notices). */
import { expiringWithin, type ExpiringItem } from '../../../shared/authority/expiring.ts';
import { findAnyEntitlement } from '../../../shared/catalog.ts';
import { formatUdi } from '../../../shared/udi.ts';
import { termEndsAt } from '../../../shared/lifetime.ts';
import { findAccount, mayTouch, requireInit } from './lookups.ts';
import type { LedgerStore } from './store.ts';
import { usagePolicy } from './usage-reports.ts';
import { DAY_MS } from '../../../shared/codes/dates.ts';

type Item = Omit<ExpiringItem, 'daysLeft' | 'notice'>;

/**
 * Under a silence policy: when each reserved instance's next usage report is due (its last one, or its
 * reservation, plus the policy's days) and, for the smart account, each enrolled satellite's next sync file.
 */
async function silenceDue(c: LedgerStore, only: number | null): Promise<Item[]> {
  const { silentAfterDays } = await usagePolicy(c);
  if (silentAfterDays === null) return [];
  const after = silentAfterDays * DAY_MS;
  const instances = await c.all<{ account: string; account_id: number; product: string; sn: string; uuid: string; since: number }>(
    `SELECT a.name AS account, i.account_id, i.product, i.sn, i.uuid, coalesce((SELECT max(u.imported_at) FROM usage_reports u WHERE u.instance_id = i.id), i.created_at) AS since
      FROM instances i JOIN accounts a ON a.id = i.account_id WHERE i.state = 'active'`,
  );
  const satellites =
    only === null
      ? await c.all<{ name: string; since: number }>(
          "SELECT name, coalesce(last_sync_at, enrolled_at, created_at) AS since FROM satellites WHERE state = 'enrolled'",
        )
      : [];
  const smartAccount = await c.get<{ value: string }>("SELECT value FROM meta WHERE key = 'smart_account'");
  return [
    ...instances
      .filter((i) => only === null || Number(i.account_id) === only)
      .map((i) => ({
        kind: 'usage-report' as const,
        account: i.account,
        subject: formatUdi({ pid: i.product, sn: i.sn, uuid: i.uuid }),
        at: Number(i.since) + after,
      })),
    ...satellites.map((s) => ({
      kind: 'satellite-sync' as const,
      account: smartAccount?.value ?? '',
      subject: `satellite "${s.name}"`,
      at: Number(s.since) + after,
    })),
  ];
}

export async function expiring(c: LedgerStore, now: number, withinDays: number, accountName?: string): Promise<ExpiringItem[]> {
  await requireInit(c);
  const only = accountName ? (await findAccount(c, accountName)).id : null;
  const where = (column: string) => (only === null ? '' : ` AND ${column} = ${Number(only)}`);
  const lots = await c.all<{ account: string; tag: string; day: number; count: number; blocked: number }>(
    `SELECT a.name AS account, l.tag, l."end" AS day, l.count, l.blocked FROM lots l JOIN accounts a ON a.id = l.account_id WHERE l.type = 'TERM' AND l.count > 0${where('l.account_id')}`,
  );
  const tokens = await c.all<{ id: string; account: string; expires_at: number; description: string }>(
    `SELECT t.id, a.name AS account, t.expires_at, t.description FROM registration_tokens t JOIN accounts a ON a.id = t.account_id
      WHERE t.revoked_at IS NULL AND (t.max_uses IS NULL OR t.uses < t.max_uses)${where('t.account_id')}`,
  );
  const registered = await c.all<{
    id: number;
    account: string;
    product: string;
    sn: string;
    uuid: string;
    authorization_expires: number;
    registration_expires: number;
  }>(
    `SELECT r.id, a.name AS account, r.product, r.sn, r.uuid, r.authorization_expires, r.registration_expires FROM registered_instances r
      JOIN accounts a ON a.id = r.account_id WHERE r.state = 'registered'${where('r.account_id')}`,
  );
  const items: Item[] = [
    ...lots.map((l) => ({
      kind: 'term-license' as const,
      account: l.account,
      subject: `${l.count} x ${findAnyEntitlement(l.tag)?.def.short ?? l.tag} (${l.blocked} reserved)`,
      at: termEndsAt(Number(l.day)),
    })),
    ...tokens.map((t) => ({
      kind: 'token' as const,
      account: t.account,
      subject: `token ${t.id}${t.description ? ` (${t.description})` : ''}`,
      at: Number(t.expires_at),
    })),
    ...registered.flatMap((r) => {
      const subject = `instance ${r.id}, ${formatUdi({ pid: r.product, sn: r.sn, uuid: r.uuid })}`;
      return [
        { kind: 'authorization' as const, account: r.account, subject, at: Number(r.authorization_expires) },
        { kind: 'registration' as const, account: r.account, subject, at: Number(r.registration_expires) },
      ];
    }),
  ];
  items.push(...(await silenceDue(c, only)));
  return expiringWithin(
    items.filter((i) => mayTouch(c, i.account)),
    now,
    withinDays,
  );
}
