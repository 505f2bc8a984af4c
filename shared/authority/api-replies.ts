/**
 * What each operation of License Central's API answers (the `value` of `{ok: true, value}`), as zod schemas:
 * the OpenAPI document's answer schemas are generated from these, the server's results are checked against
 * them at compile time (electron/authority/api-operations.ts), and the tests check every answer the server
 * gives against the document. Objects are strict: a field the document does not name is a failure.
 */
import { onlineCheckpointSchema } from '../registration/online-checkpoint-schema.ts';
import { z } from 'zod';
import { EXPIRING_KINDS, type ExpiringKind } from './expiring.ts';
import type { ApiName } from './api.ts';
import { syncEnvelopeSchema } from './sync-file.ts';
import { WEBHOOK_REPLIES } from './api-webhooks.ts';

const int = z.number().int();
const instant = int.describe('milliseconds since the epoch');
const overLines = z.array(z.strictObject({ tag: z.string(), inUse: int, reserved: int }));
const counts = z.record(z.string(), int).describe('license (short name) → count');
const role = z.enum(['smart-account-admin', 'va-admin', 'va-user']);
const principal = z.strictObject({ name: z.string(), role, account: z.string().nullable() });

const licenseLine = z.strictObject({
  account: z.string(),
  tag: z.string(),
  short: z.string(),
  displayName: z.string(),
  level: int.nullable(),
  purchased: int,
  reserved: int,
  inTransition: int,
  available: int,
  expires: z.string().describe("earliest end date of the TERM lots valid now ('' when all are PERPETUAL)"),
});

const instanceLine = z.strictObject({
  account: z.string(),
  udi: z.string(),
  product: z.string(),
  sn: z.string(),
  productType: z.string(),
  piid: z.string(),
  state: z.string(),
  lastContact: instant,
  locked: z.boolean(),
  deviceFinding: z.enum(['rolled-back', 'foreign-code', 'foreign-key']).nullable(),
  deviceWarning: z.string().nullable(),
  deviceWarningAt: instant.nullable(),
  reserved: counts,
  inTransition: counts,
  terms: z.array(z.strictObject({ short: z.string(), count: int, endsAt: instant })),
  awaitingConfirmation: z.boolean(),
  nodes: z.array(z.string()).describe("a cluster publisher's subscribers, as its request code named them"),
});

const ledgerEvent = z.strictObject({
  id: int,
  at: instant,
  actor: z.string(),
  account: z.string().nullable(),
  instance: z.string().nullable(),
  type: z.string(),
  message: z.string(),
  code: z.string().nullable(),
  hash: z.string().nullable(),
});

const issued = z.strictObject({
  code: z.string().describe('the signed authorization code (XML)'),
  udi: z.string(),
  sn: z.string(),
  piid: z.string(),
  warnings: z.array(z.string()).optional(),
});

const compliance = z.strictObject({
  status: z.enum(['No Licenses in Use', 'Authorized', 'Out of Compliance', 'Authorization Expired']),
  shortfalls: z.array(z.strictObject({ tag: z.string(), inUse: int, available: int })),
});
const exportKey = z.strictObject({ feature: z.string(), grant: z.string(), grantedAt: instant, keyId: z.string(), signature: z.string() });
const exportKeys = z.strictObject({ exportKeys: z.array(exportKey) });
const satelliteAnswer = z.strictObject({ file: syncEnvelopeSchema, summary: z.string() });

export const API_REPLIES = {
  login: z.strictObject({ token: z.string(), expiresAt: instant, user: principal, mustChangePassword: z.boolean() }),
  logout: z.null(),
  whoami: z.strictObject({ name: z.string(), role, account: z.string().nullable(), userId: int, mustChangePassword: z.boolean() }),
  password: z.strictObject({ generatedPassword: z.string().nullable() }),
  'smart-account': z.string(),
  accounts: z.array(z.string()),
  licenses: z.array(licenseLine),
  instances: z.array(instanceLine),
  'instance-page': z.strictObject({ total: int, offset: int, rows: z.array(instanceLine) }),
  events: z.array(ledgerEvent),
  expiring: z.array(
    z.strictObject({
      kind: z.enum(Object.keys(EXPIRING_KINDS) as [ExpiringKind, ...ExpiringKind[]]),
      account: z.string(),
      subject: z.string(),
      at: instant,
      daysLeft: int,
      notice: int.nullable().describe('the smallest of 90, 60, 30, 14, 7, 3, 1 days it is within; null: more than 90 days'),
    }),
  ),
  'events-verify': z.strictObject({
    count: int,
    broken: z.strictObject({ index: int, reason: z.enum(['missing', 'altered']), event: ledgerEvent }).nullable(),
    sealProblem: z.string().nullable(),
  }),
  code: issued.extend({ keyId: z.string() }),
  keys: z.array(z.strictObject({ id: z.string(), createdAt: instant, retiredAt: instant.nullable(), active: z.boolean(), endorsedBy: z.string().nullable() })),
  'key-export': z.strictObject({ id: z.string(), pem: z.string(), file: z.string() }),
  'account-add': z.strictObject({ account: z.string() }),
  'license-add': z.strictObject({ account: z.string(), tag: z.string(), count: int }),
  reserve: issued,
  'reserve-batch': z.strictObject({ entries: z.array(issued) }),
  update: issued.extend({ inTransition: int }),
  confirm: z.strictObject({ released: int, udi: z.string(), codeOf: instant, warnings: z.array(z.string()) }),
  remove: z.strictObject({ released: int, udi: z.string(), warnings: z.array(z.string()) }),
  'usage-import': z.strictObject({
    udi: z.string(),
    sn: z.string(),
    seq: int,
    ack: z.string().describe('the signed acknowledgement, for `license smart usage acknowledge` on the device'),
    replayed: z.boolean(),
    missing: int,
    over: overLines,
    message: z.string(),
    warnings: z.array(z.string()),
  }),
  'usage-reports': z.strictObject({
    silentAfterDays: int.nullable(),
    lines: z.array(
      z.strictObject({
        account: z.string(),
        udi: z.string(),
        sn: z.string(),
        satellite: z.string().nullable(),
        reservedAt: instant.nullable(),
        last: z
          .strictObject({
            seq: int,
            madeAt: instant,
            importedAt: instant,
            status: z.string(),
            usage: z.record(z.string(), int),
            overageMs: int,
            missing: int,
          })
          .nullable(),
        over: overLines,
        flags: z.array(z.enum(['over-reserved', 'silent'])),
      }),
    ),
  }),
  'usage-policy': z.strictObject({ silentAfterDays: int.nullable() }),
  rehost: issued,
  transfer: z.strictObject({ to: z.string() }),
  'transfer-licenses': z.strictObject({ from: z.string(), to: z.string(), tag: z.string(), count: int }),
  unlock: z.strictObject({ instance: z.string() }),
  'key-add': z.strictObject({ keyId: z.string(), endorsedBy: z.string().nullable() }),
  'key-retire': z.strictObject({ keyId: z.string() }),
  'clock-accept': z.strictObject({ now: instant, from: instant.nullable() }),
  'token-create': z.strictObject({ id: z.string(), token: z.string().describe('shown once'), expiresAt: instant }),
  'token-list': z.array(
    z.strictObject({
      id: z.string(),
      account: z.string(),
      description: z.string(),
      createdAt: instant,
      createdBy: z.string(),
      expiresAt: instant,
      maxUses: int.nullable(),
      uses: int,
      exportControlled: z.boolean(),
      state: z.enum(['valid', 'expired', 'used up', 'revoked']),
    }),
  ),
  'token-revoke': z.strictObject({ id: z.string() }),
  'registered-instances': z.array(
    z.strictObject({
      instance: z.string(),
      account: z.string(),
      udi: z.string(),
      registeredAt: instant,
      registrationExpires: instant,
      authorizationExpires: instant,
      lastContact: instant,
      lastUsageReport: instant.nullable(),
      exportControlled: z.boolean(),
      usage: counts,
      compliance: z.string(),
      exportKeys: z.array(z.string()),
      nodes: z.array(z.string()),
    }),
  ),
  'registered-remove': z.strictObject({ instance: z.string(), udi: z.string(), account: z.string() }),
  'device-register': z.strictObject({
    instance: z.string(),
    udi: z.string(),
    account: z.string(),
    registeredAt: instant,
    registrationExpires: instant,
    authorizationExpires: instant,
    exportControlled: z.boolean(),
    identity: z.strictObject({ keyId: z.string(), signature: z.string() }),
  }),
  'device-renew-auth': z.strictObject({ authorizationExpires: instant, compliance, checkpoint: onlineCheckpointSchema }),
  'device-renew-id': z.strictObject({ registrationExpires: instant, compliance, checkpoint: onlineCheckpointSchema }),
  'device-usage': z.strictObject({ exportKeys: z.array(exportKey).optional(), compliance, checkpoint: onlineCheckpointSchema }),
  'device-deregister': z.strictObject({ deregistered: z.boolean() }),
  'device-export-request': exportKeys,
  'device-export-return': exportKeys,
  'satellite-enrol': satelliteAnswer,
  'satellite-sync': satelliteAnswer,
  'export-control': z.strictObject({ allowed: z.boolean() }),
  ...WEBHOOK_REPLIES,
} as const satisfies Record<ApiName, z.ZodType>;

export type ApiReplyValue<N extends ApiName> = z.infer<(typeof API_REPLIES)[N]>;
