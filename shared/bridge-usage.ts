/**
 * The bridge contract's part for offline usage reports (shared/bridge.ts spreads it in): License Central's
 * Usage Reports tab imports a device's report and hands back the signed acknowledgement, lists the last
 * report of every reserved instance with its flags, and sets the silence policy. The device's side goes
 * through the generic `instanceCommand` (usage-report, usage-acknowledge). Reports cross as text, as codes do.
 */
import { z } from 'zod';
import { MAX_REPORT_CHARS } from './codes/usage-report.ts';
import type { UsageReportLine } from './authority/views.ts';

export const USAGE_ARGS = {
  authorityUsageImport: z.tuple([z.string().min(1).max(MAX_REPORT_CHARS)]),
  authorityUsageReports: z.tuple([]),
  /** Days without a report after which an instance is flagged silent; null: never. */
  authorityUsagePolicy: z.tuple([z.number().int().min(1).max(3650).nullable()]),
} as const;

export interface UsageResults {
  authorityUsageImport: {
    readonly udi: string;
    readonly sn: string;
    readonly seq: number;
    /** The signed acknowledgement, for the device (`license smart usage acknowledge`). */
    readonly ack: string;
    readonly replayed: boolean;
    readonly message: string;
    readonly warnings: readonly string[];
  };
  authorityUsageReports: { readonly silentAfterDays: number | null; readonly lines: readonly UsageReportLine[] };
  authorityUsagePolicy: null;
}
