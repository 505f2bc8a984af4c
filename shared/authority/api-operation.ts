/** What an operation of License Central's API is, as its table (api.ts and its parts) holds it. */
import type { z } from 'zod';
import type { Permission } from './roles.ts';

export interface ApiOperation {
  readonly summary: string;
  /**
   * What the caller's role must allow; `session` only needs a logged-in user, `public` not even that, and
   * `device` a call signed by a registered product instance's key (Smart Licensing online), `satellite` a
   * sync file signed by a satellite's pinned key (connected mode).
   */
  readonly permission: Permission | 'session' | 'public' | 'device' | 'satellite';
  /** Changes the ledger: the request must carry an Idempotency-Key header. */
  readonly changes: boolean;
  readonly body: z.ZodType;
  /**
   * What of it is secret, and so never kept for a retry: fields of its body (left out of the request's
   * fingerprint) and its reply (a retry is told the change was done, not given the secret again).
   */
  readonly secret?: { readonly body?: readonly string[]; readonly reply?: boolean };
}
