/**
 * The registered product instances as License Central's administrators see and manage them: listed beside
 * the reserved ones, and removed at License Central (which revokes the device's identity).
 */
import { findAnyEntitlement } from '../../../shared/catalog.ts';
import { refuse } from '../../../shared/errors.ts';
import { formatUdi } from '../../../shared/udi.ts';
import type { RegisteredLine } from '../../../shared/authority/views.ts';
import { complianceFor, releaseExportGrants, SELECT, type RegisteredRow } from './registrations.ts';
import { requireInit, findAccount, mayTouch } from './lookups.ts';
import type { LedgerStore } from './store.ts';

/**
 * License Central removes a registered instance (the seeds: what frees the licenses of a device that
 * deregistered without reaching it, or one lost): its usage leaves the pool and its identity is revoked, so
 * any later call of its key is refused (the device then learns it is unregistered).
 */
export async function removeRegistered(c: LedgerStore, instance: string, now: number): Promise<{ instance: string; udi: string; account: string }> {
  await requireInit(c);
  return c.write(now, async () => {
    const r = /^[0-9]{1,15}$/.test(instance) ? await c.get<RegisteredRow>(`${SELECT} WHERE r.id = ?`, Number(instance)) : undefined;
    if (!r || r.state !== 'registered')
      refuse('no-instance', `No product instance is registered online as ${instance.slice(0, 40)}.`, 'See `slr authority show registered`.');
    c.guard(r.account);
    const udi = formatUdi({ pid: r.product, sn: r.sn, uuid: r.uuid });
    await c.run('DELETE FROM registered_usage WHERE instance_id = ?', r.id);
    const keys = await releaseExportGrants(c, r.id);
    await c.run("UPDATE registered_instances SET state = 'deregistered' WHERE id = ?", r.id);
    const freed = keys ? `, its ${keys === 1 ? 'export authorization key' : `${keys} export authorization keys`} returned` : '';
    await c.log(now, 'registered-remove', `Registered product instance removed at License Central: its usage is released${freed} and its identity revoked.`, {
      account: r.account,
      instance: udi,
    });
    return { instance, udi, account: r.account };
  });
}

/** The registered product instances (of a virtual account), beside the reserved ones. */
export async function registeredInstances(c: LedgerStore, now: number, accountName?: string): Promise<RegisteredLine[]> {
  await requireInit(c);
  const account = accountName ? [(await findAccount(c, accountName)).id] : [];
  const rows = await c.all<RegisteredRow>(`${SELECT} WHERE r.state = 'registered' ${account.length ? 'AND r.account_id = ?' : ''} ORDER BY r.id`, ...account);
  const out: RegisteredLine[] = [];
  for (const r of rows.filter((x) => mayTouch(c, x.account))) {
    const usage = await c.all<{ tag: string; count: number }>('SELECT tag, count FROM registered_usage WHERE instance_id = ?', r.id);
    const exportKeys = await c.all<{ feature: string }>('SELECT feature FROM export_grants WHERE instance_id = ? ORDER BY id', r.id);
    out.push({
      instance: String(r.id),
      account: r.account,
      udi: formatUdi({ pid: r.product, sn: r.sn, uuid: r.uuid }),
      registeredAt: r.registered_at,
      registrationExpires: r.registration_expires,
      authorizationExpires: r.authorization_expires,
      lastContact: r.last_contact,
      lastUsageReport: r.last_usage_at,
      exportControlled: r.export_controlled === 1,
      usage: Object.fromEntries(usage.map((u) => [findAnyEntitlement(u.tag)?.def.short ?? u.tag, Number(u.count)])),
      compliance: (await complianceFor(c, r, now)).status,
      exportKeys: exportKeys.map((k) => k.feature),
      nodes: r.nodes ? (JSON.parse(r.nodes) as string[]) : [],
    });
  }
  return out;
}
