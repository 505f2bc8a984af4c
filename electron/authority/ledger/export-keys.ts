/**
 * A registered instance's export authorization keys (export control online, export-grants.ts): each grant it
 * holds, signed by License Central with a key the device trusts, as every answer about them carries.
 */
import { toBase64 } from '../../../shared/bytes.ts';
import { exportKeyMessage, type ExportGrant } from '../../../shared/registration/protocol.ts';
import { formatUdi } from '../../../shared/udi.ts';
import { identityKey, ledgerCrypto } from './signing.ts';
import type { LedgerStore } from './store.ts';

/** The instance's grants as export authorization keys, signed with a key it trusts. */
export async function exportKeysOf(
  c: LedgerStore,
  r: { readonly id: number; readonly product: string; readonly sn: string; readonly uuid: string },
  trustedKeyIds: readonly string[],
): Promise<ExportGrant[]> {
  const rows = await c.all<{ id: number; feature: string; granted_at: number }>(
    'SELECT id, feature, granted_at FROM export_grants WHERE instance_id = ? ORDER BY id',
    r.id,
  );
  if (!rows.length) return [];
  const keyId = await identityKey(c, trustedKeyIds);
  const crypto = await ledgerCrypto(c);
  const udi = formatUdi({ pid: r.product, sn: r.sn, uuid: r.uuid });
  return rows.map((g) => {
    const grant = { feature: g.feature, grant: String(g.id), grantedAt: Number(g.granted_at) };
    return { ...grant, keyId, signature: toBase64(crypto.sign(keyId, exportKeyMessage(String(r.id), udi, grant))) };
  });
}
