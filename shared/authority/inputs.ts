/**
 * The shapes of what License Central's operations take, as zod schemas: one definition for the app's bridge
 * (shared/bridge.ts) and the server's API (shared/authority/api.ts), so both refuse the same bad input.
 */
import { z } from 'zod';
import { LIMITS } from '../limits.ts';
import { INSTANCE_PAGE_MAX } from './views.ts';
import { MAX_BATCH } from '../codes/authorization-bundle.ts';

export const shortText = z.string().min(1).max(200);
/** A new virtual account's name (the ledger's name rule: at most 100 characters). */
export const accountName = z.string().min(1).max(100);
export const count = z.number().int().min(0).max(LIMITS.maxCount);
export const licenses = z
  .record(z.string().min(1).max(200), count)
  .refine((r) => Object.keys(r).length <= 100, 'at most 100 licenses')
  .meta({ maxProperties: 100 });
export const instanceRef = z.string().min(5).max(200);
export const isoDay = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
/** A request, confirmation or return code as pasted (wrapped, quoted, as a command line): bounded. */
export const deviceCode = z.string().min(1).max(4096);
export const keyId = z.string().regex(/^[0-9a-f]{16}$/);

export const instanceQuery = z.strictObject({
  search: z.string().max(200).optional(),
  account: shortText.optional(),
  product: z.string().max(20).optional(),
  only: z.enum(['locked', 'in-transition']).optional(),
  sort: z.enum(['sn', 'account', 'product', 'last-contact']).optional(),
  descending: z.boolean().optional(),
  offset: z.number().int().min(0).max(10_000_000).optional(),
  limit: z.number().int().min(1).max(INSTANCE_PAGE_MAX).optional(),
});

export const reserveInput = z.strictObject({ account: shortText, request: deviceCode, licenses });
export const reserveBatchInput = z.strictObject({ account: shortText, requests: z.array(deviceCode).min(1).max(MAX_BATCH), licenses });
export const updateInput = z.strictObject({ instance: instanceRef, licenses });
export const confirmInput = z.strictObject({ instance: instanceRef, code: deviceCode });
export const removeInput = z.strictObject({ instance: instanceRef, returnCode: deviceCode });
export const rehostInput = z.strictObject({ instance: instanceRef, request: deviceCode, reason: shortText });
export const transferInput = z.strictObject({ instance: instanceRef, to: shortText });
export const transferLicensesInput = z.strictObject({ from: shortText, to: shortText, tag: shortText, count: count.min(1) });

/**
 * The URL devices reach License Central at, as a token carries it: https, a host name (its last label starts
 * with a letter) or a dotted IPv4 address, a port, a path; what matches is always a URL the ledger takes.
 */
const SERVER_URL =
  /^https:\/\/(((25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])|([A-Za-z0-9-]+\.)*[A-Za-z][A-Za-z0-9-]*)(:([0-9]{1,4}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5]))?(\/[!-~]*)?$/;

/** The seeds' New Token: Description, Expire After (days), Max Uses, Allow export-controlled functionality, and the server devices reach. */
export const tokenInput = z.strictObject({
  account: shortText,
  description: z.string().max(200).optional(),
  expiresDays: z.number().int().min(1).max(365).optional(),
  maxUses: z.number().int().min(1).max(1_000_000).optional(),
  exportControlled: z.boolean().optional(),
  server: z.string().min(8).max(500).regex(SERVER_URL, 'an https:// URL of a host name or IPv4 address, with a port and a path if need be'),
});
