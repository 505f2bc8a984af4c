/**
 * License Central's HTTP API as data: every operation the CLI and the app's License Authority workspace have,
 * with its path, the permission it needs, whether it changes the ledger (and so needs an idempotency key),
 * and the zod schema of its JSON body. The server validates with these schemas, the client is typed by them,
 * and the OpenAPI document is generated from them (electron/server/openapi.ts): one definition for all three.
 */
import { z } from 'zod';
import { EVENTS_PAGE } from './views.ts';
import type { ApiOperation } from './api-operation.ts';
import { syncEnvelopeSchema } from './sync-file.ts';
import { NODE_NAME } from '../codes/cluster-nodes.ts';
import { MAX_REPORT_CHARS } from '../codes/usage-report.ts';
import { seenCheckpointsSchema } from '../registration/online-checkpoint-schema.ts';
import { WEBHOOK_API } from './api-webhooks.ts';
import {
  confirmInput,
  accountName,
  count,
  instanceQuery,
  instanceRef,
  isoDay,
  keyId,
  licenses,
  tokenInput,
  rehostInput,
  removeInput,
  reserveBatchInput,
  reserveInput,
  shortText,
  transferInput,
  transferLicensesInput,
  updateInput,
} from './inputs.ts';

export type { ApiOperation } from './api-operation.ts';

const none = z.strictObject({});
const accountFilter = z.strictObject({ account: shortText.optional() });
/** A registered device's call that names the checkpoints of License Central's log it saw (shared/registration/online-checkpoint.ts). */
const witnessed = z.strictObject({ witness: seenCheckpointsSchema.optional() });
const op = <B extends z.ZodType>(summary: string, permission: ApiOperation['permission'], changes: boolean, body: B, secret?: ApiOperation['secret']) => ({
  summary,
  permission,
  changes,
  body,
  ...(secret ? { secret } : {}),
});

export const API = {
  login: op(
    'Log in: a session token for the user (rate-limited; failures are logged).',
    'public',
    false,
    z.strictObject({ user: shortText, password: z.string().min(1).max(1024) }),
  ),
  logout: op('End the session of the token that calls.', 'session', false, none),
  whoami: op('The calling user, their role and virtual account.', 'session', false, none),
  password: op(
    'Change your own password (the current one checked first); other sessions end.',
    'session',
    true,
    z.strictObject({ current: z.string().min(1).max(1024), new: z.string().min(12).max(1024) }),
    { body: ['current', 'new'] },
  ),
  'smart-account': op('The name of the smart account.', 'view', false, none),
  accounts: op('The virtual accounts the caller may see.', 'view', false, none),
  licenses: op('The Licenses table: purchased, reserved, in transition, available, per virtual account and license.', 'view', false, accountFilter),
  instances: op(
    'The product instances and their reserved licenses (all: removed and failed ones too).',
    'view',
    false,
    z.strictObject({ account: shortText.optional(), all: z.boolean().optional() }),
  ),
  'instance-page': op('The product instances a page at a time: searched, filtered, sorted.', 'view', false, instanceQuery),
  events: op(
    'The event log (of a virtual account, with the events of the whole smart account), oldest first: its latest `limit` events (at most and by default 10,000), or the latest before event `before`; with `after`, the first `limit` after event `after` (0: from the start), to read it all forward.',
    'view',
    false,
    z.strictObject({
      account: shortText.optional(),
      limit: z.number().int().min(1).max(EVENTS_PAGE).optional(),
      before: z.number().int().min(1).optional(),
      after: z.number().int().min(0).optional(),
    }),
  ),
  expiring: op(
    'What runs out within a number of days (30 unless given): TERM licenses, registration tokens, registered instances’ authorization and registration, and under a silence policy reserved instances’ usage reports and satellites’ sync files due; soonest first, with the notice each has reached.',
    'view',
    false,
    z.strictObject({ account: shortText.optional(), within: z.number().int().min(1).max(3650).optional() }),
  ),
  'events-verify': op("Checks the event log's chain of hashes: the first event that was changed, if any.", 'smart-account', false, none),
  code: op('The latest authorization code of a product instance, and the key that signed it.', 'view', false, z.strictObject({ instance: instanceRef })),
  keys: op('The signing keys.', 'view', false, none),
  'key-export': op('The key file devices trust, with its endorsements.', 'view', false, z.strictObject({ id: keyId.optional() })),
  'account-add': op('Create a virtual account.', 'smart-account', true, z.strictObject({ name: accountName })),
  'license-add': op(
    'Add purchased licenses to a virtual account: PERPETUAL, or TERM between two dates (YYYY-MM-DD).',
    'administer',
    true,
    z.strictObject({ account: shortText, tag: shortText, count: count.min(1), term: z.strictObject({ start: isoDay, end: isoDay }).optional() }),
  ),
  reserve: op('Reserve licenses for the device of a request code; returns its authorization code.', 'reserve', true, reserveInput),
  'reserve-batch': op(
    'Reserve the same licenses for each device of a batch of request codes (at most 1,000), whole or not at all; returns their authorization codes.',
    'reserve',
    true,
    reserveBatchInput,
  ),
  update: op('Change a reservation; returns the new authorization code. A decrease stays in transition until confirmed.', 'reserve', true, updateInput),
  confirm: op("Enter a device's confirmation code: releases what was in transition.", 'reserve', true, confirmInput),
  'usage-import': op(
    "Import a reserved device's offline usage report: checked with its device key, recorded once, answered with a signed acknowledgement for the device (the same report again: the same acknowledgement, nothing counted twice).",
    'reserve',
    true,
    z.strictObject({ report: z.string().min(1).max(MAX_REPORT_CHARS) }),
  ),
  'usage-reports': op(
    'Per reserved product instance: its last offline usage report and its flags (over reserved; silent for longer than the policy).',
    'view',
    false,
    accountFilter,
  ),
  'usage-policy': op(
    'Set after how many days without a usage report a reserved instance is flagged silent (null: never).',
    'administer',
    true,
    z.strictObject({ silentAfterDays: z.number().int().min(1).max(3650).nullable() }),
  ),
  remove: op('Remove a product instance with its return code: its licenses go back to the pool.', 'administer', true, removeInput),
  rehost: op("Move a failed product's licenses to the device of a new request code.", 'administer', true, rehostInput),
  transfer: op('Move a product instance, with its reserved licenses, to another virtual account.', 'administer', true, transferInput),
  'transfer-licenses': op('Move available licenses between virtual accounts.', 'administer', true, transferLicensesInput),
  unlock: op('Unlock a product instance locked after 5 wrong codes in a row.', 'administer', true, z.strictObject({ instance: instanceRef })),
  'key-add': op('Make a new signing key, endorsed by the current one.', 'smart-account', true, none),
  'key-retire': op('Stop a signing key signing new codes.', 'smart-account', true, z.strictObject({ id: keyId })),
  'clock-accept': op("Accept the server's clock as the latest time seen (logged).", 'smart-account', true, z.strictObject({ reason: shortText })),
  'token-create': op(
    'Make a Product Instance Registration Token for a virtual account (Smart Licensing online), signed, carrying the server URL and certificate fingerprint.',
    'administer',
    true,
    tokenInput,
    { reply: true },
  ),
  'token-list': op('The registration tokens (of a virtual account), with their state.', 'view', false, accountFilter),
  'token-revoke': op('Revoke a registration token: no device registers with it any more.', 'administer', true, z.strictObject({ id: keyId })),
  'registered-instances': op(
    'The product instances registered online (Smart Licensing), with their periods, last usage report and compliance.',
    'view',
    false,
    accountFilter,
  ),
  'registered-remove': op(
    'Remove a product instance registered online: its usage leaves the pool and its identity is revoked.',
    'administer',
    true,
    z.strictObject({ instance: z.string().regex(/^[0-9]{1,15}$/) }),
  ),
  'device-register': op(
    'A product instance registers with a registration token and its device key (Smart Licensing online).',
    'public',
    false,
    z.strictObject({
      token: z.string().min(1).max(4096),
      udi: z.string().min(1).max(200),
      devicePublicKey: z.string().min(1).max(100),
      hostname: z.string().max(253).nullable().optional(),
      force: z.boolean().optional(),
      /** The License Central keys the device trusts: its identity is signed with one of them. */
      trustedKeyIds: z.array(keyId).max(64),
      nonce: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/),
      /** The device key's signature over registerMessage (proof that the device holds the key it registers). */
      proof: z.string().min(1).max(200),
    }),
  ),
  'device-renew-auth': op(
    "A registered product instance renews its authorization (90 days); answers its compliance and a checkpoint of License Central's log (the witness: the checkpoints the device saw, named in `witness`).",
    'device',
    false,
    witnessed,
  ),
  'device-renew-id': op('A registered product instance renews its registration (a year); answers as device-renew-auth does.', 'device', false, witnessed),
  'device-usage': op(
    'A registered product instance reports its usage (license → in use); answers its compliance.',
    'device',
    false,
    // trustedKeyIds: the export authorization keys it holds come back signed with one of them (export control).
    // nodes: a cluster publisher's subscribers, whose usage its report includes.
    z.strictObject({
      usage: licenses,
      trustedKeyIds: z.array(keyId).max(64).optional(),
      nodes: z.array(z.string().regex(NODE_NAME)).max(64).optional(),
      witness: seenCheckpointsSchema.optional(),
    }),
  ),
  'device-deregister': op(
    'A registered product instance deregisters: its usage leaves the pool and its export authorization keys are returned.',
    'device',
    false,
    none,
  ),
  'device-export-request': op(
    'A registered product instance asks for an export authorization key (license smart export request local <feature>): one export key license of its virtual account is held for it, if its token allowed export-controlled functionality; answers every key it holds.',
    'device',
    false,
    z.strictObject({ feature: z.string().min(1).max(100), trustedKeyIds: z.array(keyId).max(64) }),
  ),
  'device-export-return': op(
    'A registered product instance returns an export authorization key (license smart export return local <feature>): its license is free again; answers every key it still holds.',
    'device',
    false,
    z.strictObject({ feature: z.string().min(1).max(100), trustedKeyIds: z.array(keyId).max(64) }),
  ),
  'satellite-enrol': op(
    "A connected satellite's enrolment reply (its keys, the one-time secret back); answers the parent's first answer file (its allocations).",
    'satellite',
    false,
    z.strictObject({ file: syncEnvelopeSchema }),
  ),
  'satellite-sync': op(
    "A connected satellite's numbered sync file (what it holds, its events since the last acknowledged), signed with its pinned key; answers the parent's answer file (its allocations, whole). Replayed, late, altered or forked files are refused as in disconnected mode.",
    'satellite',
    false,
    z.strictObject({ file: syncEnvelopeSchema }),
  ),
  'export-control': op(
    'Permit or withdraw export-controlled functionality for the smart account (logged).',
    'smart-account',
    true,
    z.strictObject({ allowed: z.boolean(), reason: shortText }),
  ),
  ...WEBHOOK_API,
} as const satisfies Record<string, ApiOperation>;

export type ApiName = keyof typeof API;
export type ApiBody<N extends ApiName> = z.infer<(typeof API)[N]['body']>;
export const API_NAMES = Object.keys(API) as ApiName[];

/** Every operation is `POST /v1/<name>` with a JSON body (an object; `{}` when it takes nothing). */
export const apiPath = (name: ApiName) => `/v1/${name}`;

/** What every answer is: the value, or the refusal as the CLI's --json shows it. */
export type ApiReply<T> =
  | { readonly ok: true; readonly value: T }
  | {
      readonly ok: false;
      readonly error: { code: string; message: string; hint?: string; detail?: Readonly<Record<string, number>> };
    };

/** The header that makes a retried change safe: the same key returns the first result. */
export const IDEMPOTENCY_HEADER = 'idempotency-key';
export const idempotencyKey = z.string().regex(/^[\x21-\x7e]{8,200}$/, '8 to 200 printable ASCII characters');
