/**
 * The bridge contract's part for many devices in one hand-off (issue 30; shared/bridge.ts spreads it in): the
 * License Reservation tab reserves for a batch of request codes (pasted, or a dropped folder or file) in one
 * step and saves the bundle of authorization codes every device installs its own entry from.
 */
import { z } from 'zod';
import { MAX_BUNDLE_BYTES } from './codes/authorization-bundle.ts';
import { reserveBatchInput } from './authority/inputs.ts';

export const BATCH_ARGS = {
  authorityReserveBatch: z.tuple([reserveBatchInput]),
  fileSaveBundle: z.tuple([
    z.strictObject({ name: z.string().regex(/^authorization-bundle-[0-9]{8}T[0-9]{6}Z\.json$/), text: z.string().min(1).max(MAX_BUNDLE_BYTES) }),
  ]),
} as const;

export interface BatchResults {
  authorityReserveBatch: {
    /** The bundle file's text and the name it is saved under. */
    readonly bundle: string;
    readonly name: string;
    readonly entries: readonly { readonly sn: string; readonly udi: string; readonly warnings: readonly string[] }[];
  };
  /** The path the bundle was saved to; null: the operator cancelled. */
  fileSaveBundle: string | null;
}
