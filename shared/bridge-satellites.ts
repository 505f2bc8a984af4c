/**
 * The bridge contract's part for satellites (shared/bridge.ts spreads it in): License Central's Satellites
 * tab, as a parent (add, allocate, import a satellite's files and hand back the answers) or a satellite (enrol,
 * export, import the parent's answers, synchronise now), and the sync files' own hand-off (open, save). Sync
 * files cross the bridge as text, as codes do: the renderer never names a path.
 */
import { z } from 'zod';
import { licenses, shortText } from './authority/inputs.ts';
import { MAX_SYNC_FILE, SATELLITE_MODES, type SatelliteMode } from './authority/sync-file.ts';
import type { SatellitesView } from './authority/satellite-views.ts';

export type { ParentLine, SatelliteLine, SatellitesView } from './authority/satellite-views.ts';

/** A sync file's text (or its QR parts, pasted or scanned). */
const syncText = z.string().min(1).max(MAX_SYNC_FILE);
/** The name a sync file is offered to be saved under: a plain file name, never a path. */
export const syncFileName = z.string().regex(/^[A-Za-z0-9_-][A-Za-z0-9 ._-]{0,118}\.json$/);

export const SATELLITE_ARGS = {
  authoritySatellites: z.tuple([]),
  /** On a parent: `slr authority satellite add` (connected: the server satellites reach, its fingerprint by default this home's). */
  authoritySatelliteAdd: z.tuple([
    z.strictObject({
      name: shortText,
      mode: z.enum(SATELLITE_MODES),
      intervalMinutes: z.number().int().min(1).max(10_080).optional(),
      server: z.string().max(500).optional(),
      fingerprint: z.string().max(200).optional(),
      replace: z.boolean(),
    }),
  ]),
  authoritySatelliteAllocate: z.tuple([z.strictObject({ satellite: shortText, account: shortText, licenses })]),
  authoritySatelliteEnrol: z.tuple([syncText]),
  authoritySyncExport: z.tuple([]),
  authoritySyncImport: z.tuple([syncText]),
  authoritySyncNow: z.tuple([]),
  fileOpenSync: z.tuple([]),
  fileSaveSync: z.tuple([z.strictObject({ name: syncFileName, text: syncText })]),
} as const;

/** A sync file to hand over (the name it is offered under) or one opened: its name and text. */
export interface SyncFileView {
  readonly name: string;
  readonly text: string;
}

export interface SatelliteResults {
  authoritySatellites: SatellitesView;
  authoritySatelliteAdd: { readonly satellite: string; readonly mode: SatelliteMode; readonly file: SyncFileView; readonly next: string };
  authoritySatelliteAllocate: { readonly lines: readonly string[] };
  /** Disconnected: the reply to carry to the parent. Connected: the first round's outcome too (the reply is sent; the file is a spare to carry). */
  authoritySatelliteEnrol: {
    readonly satellite: string;
    readonly parent: string;
    readonly mode: SatelliteMode;
    readonly reply: SyncFileView;
    readonly round: { readonly ok: boolean; readonly message: string } | null;
  };
  authoritySyncExport: { readonly seq: number; readonly events: number; readonly file: SyncFileView };
  /** What was applied, and the answer to carry back (null: a parent's answer, applied here). */
  authoritySyncImport: { readonly kind: 'enrolment-reply' | 'up' | 'down'; readonly summary: string; readonly answer: SyncFileView | null };
  authoritySyncNow: { readonly message: string; readonly nextAt: number };
  /** The file chosen: its name and text. */
  fileOpenSync: SyncFileView | null;
  fileSaveSync: string | null;
}
