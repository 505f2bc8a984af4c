/**
 * What License Central learns of a device's state from the digest every code of it carries
 * (shared/codes/state-digest.ts), checked at every exchange:
 *
 * - **rolled back**: the device ran, when it made the code, an authorization code older than one it is
 *   known to have run (confirmed, or named by an earlier code): its state was put back (a copy of its state
 *   file, a restore) since. What it shows may be more than License Central holds for it.
 * - **forged**: the code it ran is none this License Central issued for the reservation, or it trusts a key
 *   that is not one of this License Central's (another authority's, or one added outside SLR Desk).
 *
 * A finding never refuses the code (the code itself is the device's, under its MAC: what it confirms or
 * gives back is true); it is logged (`device-state`), kept on the instance (shown with it) and returned so
 * that whoever entered the code sees it at once. A code of an earlier version carries no digest: nothing to check.
 */
import { formatInstant } from '../../../shared/codes/dates.ts';
import { anchorsAreOwn, ranRef, type StateDigest } from '../../../shared/codes/state-digest.ts';
import type { DeviceFinding } from '../../../shared/authority/views.ts';
import { cryptoBasics } from '../../platform/crypto.ts';
import { udiOf, type InstanceRow } from './lookups.ts';
import type { LedgerStore } from './store.ts';
import { signingKeys } from './signing.ts';

export type DeviceCodeKind = 'request' | 'confirmation' | 'return' | 'usage-report';

/** In a sentence: "confirmation code", "usage report". */
const named = (kind: DeviceCodeKind) => (kind === 'usage-report' ? 'usage report' : `${kind} code`);

/** The code the device made: which kind, and (confirmation, return) the authorization code it answers. */
export interface SeenCode {
  readonly kind: DeviceCodeKind;
  readonly answers?: number;
  readonly text: string;
}

async function ownKeyIds(c: LedgerStore): Promise<string[]> {
  return (await signingKeys(c)).map((k) => k.id);
}

/** The timestamp of the instance's code the reference names, null for none, undefined when no code of it matches. */
async function ranCode(c: LedgerStore, instanceId: number, ref: number): Promise<number | null | undefined> {
  if (ref === 0) return null;
  const codes = await c.all<{ timestamp: number }>('SELECT timestamp FROM codes WHERE instance_id = ? ORDER BY timestamp DESC', instanceId);
  return codes.find((k) => ranRef(Number(k.timestamp)) === ref)?.timestamp;
}

type Finding = { readonly kind: DeviceFinding; readonly message: string };

/** What the digest says against what License Central knows: the findings, in a word and in words. */
async function findings(c: LedgerStore, instance: InstanceRow, digest: StateDigest, ran: number | null | undefined, code: SeenCode): Promise<Finding[]> {
  const out: Finding[] = [];
  const add = (kind: DeviceFinding, message: string) => out.push({ kind, message });
  if (!anchorsAreOwn(cryptoBasics.sha256, digest.anchors, await ownKeyIds(c)))
    add(
      'foreign-key',
      `The device trusts a key that is not one of this License Central's (its ${named(code.kind)} says so): another authority's key, or one added to its state outside SLR Desk. Codes it shows may not come from here.`,
    );
  if (code.kind === 'request') return out;
  const known = Number(instance.device_ran);
  if (ran === undefined)
    add(
      'foreign-code',
      `The device ran an authorization code this License Central never issued for reservation ${instance.piid} when it made this ${named(code.kind)}: a code forged or signed elsewhere was installed on it.`,
    );
  else if ((ran ?? 0) < known)
    add(
      'rolled-back',
      `The device's state was put back: when it made this ${named(code.kind)} it ran ${ran ? `the code of ${formatInstant(ran)}` : 'no code of this reservation'}, but it had already run the code of ${formatInstant(known)}. ` +
        'Its state file was replaced by an older copy (or restored): it may show licenses License Central has since released.',
    );
  return out;
}

/**
 * Checks the digest a device's code carries against what the ledger knows of the device, records what the
 * device is now known to run, and logs and keeps any finding. Inside the operation's transaction.
 */
export async function observeDeviceState(c: LedgerStore, instance: InstanceRow, digest: StateDigest | null, code: SeenCode, now: number): Promise<string[]> {
  if (!digest) return [];
  const ran = await ranCode(c, instance.id, digest.ran);
  const found = await findings(c, instance, digest, ran, code);
  const runs = Math.max(Number(instance.device_ran), ran ?? 0, code.kind === 'confirmation' ? (code.answers ?? 0) : 0);
  if (runs !== Number(instance.device_ran)) await c.run('UPDATE instances SET device_ran = ? WHERE id = ?', runs, instance.id);
  for (const { kind, message } of found) {
    await c.run('UPDATE instances SET device_finding = ?, device_warning = ?, device_warning_at = ? WHERE id = ?', kind, message, now, instance.id);
    await c.log(now, 'device-state', message, { account: instance.account, instance: udiOf(instance), code: code.text.trim() });
  }
  return found.map((f) => f.message);
}

/**
 * A device's confirmation or return code that answers no code this ledger issued (refused as wrong-code) but
 * says, in its state digest, that the device runs a code of this reservation the ledger does not record,
 * while trusting none but this License Central's keys: this ledger may be behind (restored from an older
 * backup, or a copy). The MAC cannot be checked without the code it answers, so this is said as what to
 * check, in the refusal; the devices' side of the witness (shared/instance/witness.ts) is the proof.
 */
export async function ledgerBehindHint(c: LedgerStore, instance: InstanceRow, digest: StateDigest | null): Promise<string | null> {
  if (!digest || digest.ran === 0 || (await ranCode(c, instance.id, digest.ran)) !== undefined) return null;
  if (!anchorsAreOwn(cryptoBasics.sha256, digest.anchors, await ownKeyIds(c))) return null;
  return (
    `The code says the device runs an authorization code of reservation ${instance.piid} that this ledger does not record, signed by one of this License Central's keys. ` +
    "If this ledger was restored from a backup, that code was issued after the backup: this ledger is behind. Restore the latest backup (the device refuses this ledger's codes as authority-rolled-back until then), or rehost the device's licenses with a new request; otherwise check that the code comes from this device."
  );
}
