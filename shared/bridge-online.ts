/**
 * The bridge contract's part for Smart Licensing online (shared/bridge.ts spreads it in): the product
 * instance's register, actions, transport and privacy, the timer's calls; License Central's tokens and
 * registered instances. Argument schemas and result types, as the rest of the contract.
 */
import { z } from 'zod';
import { keyId, tokenInput } from './authority/inputs.ts';
import type { RegisteredLine, TokenLine } from './authority/views.ts';

export type { RegisteredLine, TokenLine };

/** The seeds' Transport Settings as the app sets them (a proxy password is kept sealed, never sent back). */
const transportInput = z.discriminatedUnion('mode', [
  z.strictObject({ mode: z.literal('direct') }),
  z.strictObject({ mode: z.literal('gateway'), url: z.string().min(1).max(500) }),
  z.strictObject({
    mode: z.literal('proxy'),
    host: z.string().min(1).max(253),
    port: z.number().int().min(1).max(65535),
    user: z.string().min(1).max(200).nullable().optional(),
    /** Not given: the one kept for the same user. */
    password: z.string().min(1).max(1000).nullable().optional(),
  }),
]);
export type TransportInput = z.infer<typeof transportInput>;

export const ONLINE_ARGS = {
  /** Smart Licensing online: register with a token (force: move from another virtual account). */
  instanceSmartRegister: z.tuple([z.strictObject({ token: z.string().min(1).max(8192), force: z.boolean() })]),
  /** The seeds' Actions menu and Update Usage Details. */
  instanceSmartAction: z.tuple([z.enum(['renew-auth', 'renew-id', 'usage-report', 'deregister'])]),
  instanceSmartTransport: z.tuple([transportInput]),
  /** "Do not share my hostname or IP address". */
  instanceSmartPrivacy: z.tuple([z.boolean()]),
  /** The app's timer: the calls that are due (renewals, the daily usage report), made. */
  instanceSmartCatchUp: z.tuple([]),
  /** Export control online: license smart export request|return local <feature>, license smart export cancel. */
  instanceSmartExport: z.tuple([
    z.discriminatedUnion('op', [
      z.strictObject({ op: z.literal('request'), feature: z.string().min(1).max(100) }),
      z.strictObject({ op: z.literal('return'), feature: z.string().min(1).max(100) }),
      z.strictObject({ op: z.literal('cancel') }),
    ]),
  ]),
} as const;

export const TOKEN_ARGS = {
  authorityTokens: z.tuple([]),
  /** The seeds' New Token: Description, Expire After (days), Max Uses, Allow export-controlled functionality. */
  /** On the app's own ledger, the server devices reach is given; connected, it is the server's own. */
  authorityTokenCreate: z.tuple([tokenInput.extend({ server: z.string().max(500).optional(), fingerprint: z.string().max(200).optional() })]),
  authorityTokenRevoke: z.tuple([keyId]),
  authorityRegistered: z.tuple([]),
  authorityRegisteredRemove: z.tuple([z.string().regex(/^[0-9]{1,15}$/)]),
} as const;

export type TransportView =
  | { readonly mode: 'direct' }
  | { readonly mode: 'gateway'; readonly url: string }
  | { readonly mode: 'proxy'; readonly host: string; readonly port: number; readonly user: string | null; readonly passwordSet: boolean };

/** What a Smart Licensing online action did, and what to know about it. */
export interface OnlineResult {
  readonly message: string;
  readonly warnings: readonly string[];
}

export interface OnlineResults {
  instanceSmartRegister: OnlineResult;
  instanceSmartAction: OnlineResult;
  instanceSmartTransport: OnlineResult;
  instanceSmartPrivacy: OnlineResult;
  /** Null when nothing was due. */
  instanceSmartCatchUp: OnlineResult | null;
  instanceSmartExport: OnlineResult;
  authorityTokens: readonly TokenLine[];
  /** The token's text, shown once. */
  authorityTokenCreate: { readonly id: string; readonly token: string; readonly expiresAt: number };
  authorityTokenRevoke: null;
  authorityRegistered: readonly RegisteredLine[];
  authorityRegisteredRemove: { readonly instance: string; readonly udi: string; readonly account: string };
}
