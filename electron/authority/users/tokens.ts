/**
 * Smart Licensing online, License Central's side: Product Instance Registration Tokens per virtual account
 * (`token create`, `token list`, `token revoke`), signed with the current signing key, and whether the smart
 * account is permitted export-controlled functionality (a token that allows it is refused otherwise).
 * Every change is in the event log.
 */
import { randomBytes } from 'node:crypto';
import { formatIsoDate, formatInstant } from '../../../shared/codes/dates.ts';
import type { TokenLine } from '../../../shared/authority/views.ts';
import { refuse } from '../../../shared/errors.ts';
import { formatToken, type TokenPayload } from '../../../shared/registration/token.ts';
import { stripControls, textProblem } from '../../../shared/text.ts';

/** The server a token names: its certificate's fingerprint (normalised) and an https:// URL devices can call. */
function checkedTarget(server: string, fingerprintText: string): string {
  const fingerprint = normaliseFingerprint(fingerprintText);
  if (!fingerprint) refuse('bad-request', 'The server certificate fingerprint is 64 hexadecimal digits (SHA-256).');
  if (!isServerUrl(server))
    refuse(
      'bad-request',
      `Devices reach License Central over HTTPS: "${stripControls(server.slice(0, 80))}" is not an https:// URL of a host (no spaces, no user name).`,
      'Give the URL devices use, for example https://license-central.example:8443.',
    );
  return fingerprint;
}

/** An https:// URL of a host, as devices will call it: parsed whole, no white space, no credentials. */
function isServerUrl(text: string): boolean {
  if (/\s/.test(text) || !URL.canParse(text)) return false;
  const url = new URL(text);
  return url.protocol === 'https:' && url.hostname !== '' && url.username === '' && url.password === '';
}
import { normaliseFingerprint } from '../../platform/fingerprint.ts';
import { requireInit, findAccount, mayTouch } from '../ledger/lookups.ts';
import { signingKey, ledgerCrypto } from '../ledger/signing.ts';
import { checkReason } from '../../../shared/authority/reason.ts';
import type { LedgerStore } from '../ledger/store.ts';
import { counted } from '../../../shared/lifetime.ts';

export const TOKEN_DAYS_DEFAULT = 30;
export const TOKEN_DAYS_MAX = 365;

interface TokenRow {
  id: string;
  account: string;
  description: string;
  created_at: number;
  created_by: string;
  expires_at: number;
  max_uses: number | null;
  uses: number;
  export_controlled: number;
  revoked_at: number | null;
}

async function exportPermitted(c: LedgerStore): Promise<boolean> {
  return (await c.get<{ value: string }>("SELECT value FROM meta WHERE key = 'export_controlled'"))?.value === 'allowed';
}

/** Permits (or withdraws) export-controlled functionality for the smart account; logged with the reason. */
export async function setExportControl(c: LedgerStore, allowed: boolean, reason: string, now: number): Promise<void> {
  await requireInit(c);
  if (!reason.trim()) refuse('no-reason', 'Say why (--reason "…"): it goes into the event log.');
  checkReason(reason.trim());
  await c.write(now, async () => {
    await c.run(
      "INSERT INTO meta (key, value) VALUES ('export_controlled', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      allowed ? 'allowed' : 'denied',
    );
    await c.log(
      now,
      'export-control',
      `Export-controlled functionality ${allowed ? 'permitted' : 'no longer permitted'} for the smart account. Reason: ${reason.trim()}.`,
    );
  });
}

/**
 * Makes a registration token for a virtual account: valid `expiresDays` days (1 to 365), for `maxUses`
 * registrations at most (none: any number), carrying the server's URL and certificate fingerprint.
 */
export async function createToken(
  c: LedgerStore,
  input: { account: string; description?: string; expiresDays?: number; maxUses?: number; exportControlled?: boolean; server: string; fingerprint: string },
  now: number,
): Promise<{ id: string; token: string; expiresAt: number }> {
  await requireInit(c);
  const description = (input.description ?? '').replace(/^ +| +$/g, '');
  const problem = textProblem(description, 200);
  if (problem) refuse('bad-text', `The description is not acceptable: ${problem}.`, 'A description is printable text of at most 200 characters.');
  const days = input.expiresDays ?? TOKEN_DAYS_DEFAULT;
  if (!Number.isInteger(days) || days < 1 || days > TOKEN_DAYS_MAX) refuse('bad-count', `A token expires after 1 to ${TOKEN_DAYS_MAX} days, not ${days}.`);
  if (input.maxUses !== undefined && (!Number.isInteger(input.maxUses) || input.maxUses < 1 || input.maxUses > 1_000_000))
    refuse('bad-count', 'A token is used at least once: --max-uses is a whole number from 1 to 1,000,000.');
  const fingerprint = checkedTarget(input.server, input.fingerprint);
  return c.write(now, async () => {
    const account = await findAccount(c, input.account);
    if (input.exportControlled && !(await exportPermitted(c)))
      refuse(
        'export-not-permitted',
        'This smart account is not permitted export-controlled functionality: a token cannot allow it.',
        'Make the token without it, or have the smart account permitted first (slr authority export-control allow --reason "…").',
      );
    const key = await signingKey(c);
    const id = randomBytes(8).toString('hex');
    const expiresAt = now + days * 86_400_000;
    const payload: TokenPayload = {
      id,
      account: account.name,
      server: input.server,
      fingerprint,
      issuedAt: now,
      expiresAt,
      exportControlled: input.exportControlled ?? false,
      keyId: key.id,
    };
    const crypto = await ledgerCrypto(c);
    const token = formatToken(payload, (message) => crypto.sign(key.id, message));
    await c.run(
      'INSERT INTO registration_tokens (id, account_id, description, created_at, created_by, expires_at, max_uses, uses, export_controlled, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, NULL)',
      id,
      account.id,
      description,
      now,
      c.actor,
      expiresAt,
      input.maxUses ?? null,
      payload.exportControlled ? 1 : 0,
    );
    await c.log(
      now,
      'token-create',
      `Registration token ${id} made${description ? ` ("${description}")` : ''}: valid to ${formatIsoDate(expiresAt)}, ${input.maxUses ? counted(input.maxUses, 'use') : 'any number of uses'}${payload.exportControlled ? ', export-controlled functionality allowed' : ''}.`,
      { account: account.name },
    );
    return { id, token, expiresAt };
  });
}

const stateOf = (r: TokenRow, now: number): TokenLine['state'] =>
  r.revoked_at !== null ? 'revoked' : r.expires_at <= now ? 'expired' : r.max_uses !== null && r.uses >= r.max_uses ? 'used up' : 'valid';

export async function listTokens(c: LedgerStore, now: number, accountName?: string): Promise<TokenLine[]> {
  await requireInit(c);
  const account = accountName ? [(await findAccount(c, accountName)).id] : [];
  const rows = await c.all<TokenRow>(
    `SELECT t.*, a.name AS account FROM registration_tokens t JOIN accounts a ON a.id = t.account_id ${account.length ? 'WHERE t.account_id = ?' : ''} ORDER BY t.created_at, t.id`,
    ...account,
  );
  return rows
    .filter((r) => mayTouch(c, r.account))
    .map((r) => ({
      id: r.id,
      account: r.account,
      description: r.description,
      createdAt: r.created_at,
      createdBy: r.created_by,
      expiresAt: r.expires_at,
      maxUses: r.max_uses,
      uses: r.uses,
      exportControlled: r.export_controlled === 1,
      state: stateOf(r, now),
    }));
}

/** Revokes a token: no device registers with it from now on (those registered with it stay registered). */
export async function revokeToken(c: LedgerStore, id: string, now: number): Promise<void> {
  await requireInit(c);
  await c.write(now, async () => {
    const row = await c.get<TokenRow>('SELECT t.*, a.name AS account FROM registration_tokens t JOIN accounts a ON a.id = t.account_id WHERE t.id = ?', id);
    if (!row) refuse('no-token', `There is no registration token ${id}.`, 'See `slr authority token list`.');
    c.guard(row.account);
    if (row.revoked_at !== null) refuse('token-revoked', `Registration token ${id} was already revoked on ${formatInstant(row.revoked_at)}.`);
    await c.run('UPDATE registration_tokens SET revoked_at = ? WHERE id = ?', now, id);
    await c.log(now, 'token-revoke', `Registration token ${id} revoked: no product instance registers with it from now on.`, { account: row.account });
  });
}
