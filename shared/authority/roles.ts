/**
 * The administrators of License Central as a server, with the seeds' roles: what each may do, and where.
 * Pure data and one decision (`mayAct`), used by the server for every call and by the ledger's in-transaction
 * check of the virtual account an operation touches.
 */
import { refuse } from '../errors.ts';
import { nameKey } from '../text.ts';

/** What an operation needs, from least to most. */
export type Permission = 'view' | 'reserve' | 'administer' | 'smart-account';

export const ROLES = {
  'smart-account-admin': {
    title: 'Smart Account Administrator',
    /** Every virtual account of the smart account. */
    scope: 'smart-account',
    may: ['view', 'reserve', 'administer', 'smart-account'],
  },
  'va-admin': {
    title: 'Virtual Account Administrator',
    scope: 'virtual-account',
    may: ['view', 'reserve', 'administer'],
  },
  'va-user': {
    title: 'Virtual Account User',
    scope: 'virtual-account',
    may: ['view', 'reserve'],
  },
} as const satisfies Record<string, { title: string; scope: 'smart-account' | 'virtual-account'; may: readonly Permission[] }>;

export type Role = keyof typeof ROLES;
export const ROLE_NAMES = Object.keys(ROLES) as Role[];

export function isRole(text: string): text is Role {
  return Object.hasOwn(ROLES, text);
}

/** Who calls: a user of the server, their role and (for a virtual-account role) their virtual account. */
export interface Principal {
  readonly name: string;
  readonly role: Role;
  /** The virtual account a virtual-account role is limited to; null for the smart account's administrators. */
  readonly account: string | null;
}

const PERMISSION_TEXT: Record<Permission, string> = {
  view: 'view',
  reserve: 'reserve or update licenses',
  administer: 'add licenses, transfer, remove, rehost or unlock',
  'smart-account': "change what belongs to the whole smart account (virtual accounts, signing keys, the ledger's clock)",
};

const sameAccount = (a: string, b: string) => nameKey(a) === nameKey(b);

/** Whether `p` may do what `permission` covers, in virtual account `account` when one is named. */
export function mayAct(p: Principal, permission: Permission, account?: string): boolean {
  const role = ROLES[p.role];
  if (!(role.may as readonly Permission[]).includes(permission)) return false;
  if (role.scope === 'smart-account' || account === undefined) return true;
  return p.account !== null && sameAccount(p.account, account);
}

/** Refuses (`forbidden`) what `p` may not do; `account` is the virtual account the operation touches. */
export function requireAct(p: Principal, permission: Permission, account?: string): void {
  if (mayAct(p, permission, account)) return;
  const role = ROLES[p.role];
  const where = account !== undefined && role.scope === 'virtual-account' ? ` in virtual account "${account}"` : '';
  refuse(
    'forbidden',
    `User "${p.name}" (${role.title}${p.account ? ` of "${p.account}"` : ''}) may not ${PERMISSION_TEXT[permission]}${where}; nothing was changed.`,
    'Ask a Smart Account Administrator for this, or for a role that allows it.',
  );
}
