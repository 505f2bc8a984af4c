/**
 * One rule for what ends (issue 25, item 8): days left count the day that has begun, "Expired" from the end
 * on, the Smart Software Manager's warning days (90, 60, 30, 14, 7, 3, 1), and one grace figure on every
 * screen. Checked on every boundary, on a device's TERM license seen through its status, and against the
 * same figure in the compliance advice.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { counted, describeLifetime, lifetime, termEndsAt, WARNING_DAYS } from '../shared/lifetime.ts';
import { DAY_MS } from '../shared/codes/dates.ts';
import { groupDigits } from '../shared/text.ts';
import { describeOverage, describeValidity, graceLeft, termWarnings } from '../shared/instance/status-text.ts';
import { complianceAdvice } from '../shared/instance/operator-flow.ts';
import type { InstanceStatus, UsageLine } from '../shared/instance/status.ts';

const END = Date.UTC(2027, 3, 1);

describe('lifetime', () => {
  it.each([
    [END - 91 * DAY_MS, 91, null, 'none'],
    [END - 90 * DAY_MS, 90, 90, 'notice'],
    [END - 89.5 * DAY_MS, 90, 90, 'notice'],
    [END - 60 * DAY_MS, 60, 60, 'notice'],
    [END - 31 * DAY_MS, 31, 60, 'notice'],
    [END - 30 * DAY_MS, 30, 30, 'warning'],
    [END - 8 * DAY_MS, 8, 14, 'warning'],
    [END - 7 * DAY_MS, 7, 7, 'urgent'],
    [END - 1, 1, 1, 'urgent'],
  ] as const)('at %d: %d days left, warning day %s, %s', (now, days, warning, urgency) => {
    const l = lifetime(END, now);
    expect(l).toEqual({ endsAt: END, expired: false, daysLeft: days, warning, urgency });
    expect(describeLifetime(l)).toBe(`${days} day${days === 1 ? '' : 's'} left`);
  });

  it('is Expired from the end on, with no days left', () => {
    for (const now of [END, END + 1, END + 400 * DAY_MS]) {
      const l = lifetime(END, now);
      expect([l.expired, l.daysLeft, l.warning, l.urgency, describeLifetime(l)]).toEqual([true, 0, null, 'urgent', 'Expired']);
    }
  });

  it('never raises its warning day as time passes, and reaches each of the schedule on the way', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 120 * DAY_MS }), { minLength: 2, maxLength: 30 }), (offsets) => {
        const times = offsets.map((o) => END - o).sort((a, b) => a - b);
        const days = times.map((t) => lifetime(END, t).daysLeft);
        const warnings = times.map((t) => (lifetime(END, t).expired ? 0 : (lifetime(END, t).warning ?? 1000)));
        for (let i = 1; i < times.length; i++) {
          expect(days[i]!).toBeLessThanOrEqual(days[i - 1]!);
          expect(warnings[i]!).toBeLessThanOrEqual(warnings[i - 1]!);
        }
      }),
    );
    const seen = new Set(Array.from({ length: 95 }, (_, d) => lifetime(END, END - d * DAY_MS - 1).warning));
    expect([...seen].filter((w) => w !== null).sort((a, b) => b! - a!)).toEqual([...WARNING_DAYS]);
  });

  it('a TERM end date is valid through that day', () => {
    expect(termEndsAt(END)).toBe(END + DAY_MS);
    expect(lifetime(termEndsAt(END), END + DAY_MS - 1).expired).toBe(false);
  });

  it('counts with the noun, never "(s)"', () => {
    expect([counted(1, 'license'), counted(3, 'license'), counted(1200, 'license'), counted(0, 'entry', 'entries')]).toEqual([
      '1 license',
      '3 licenses',
      '1,200 licenses',
      '0 entries',
    ]);
  });

  it('groups digits as en-US does, without loading the ICU number formatter', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.integer({ min: -999_999, max: 999_999 })),
        (n) => groupDigits(n) === n.toLocaleString('en-US'),
      ),
    );
    expect([0, 999, 1000, -1000, 1_000_000].map(groupDigits)).toEqual(['0', '999', '1,000', '-1,000', '1,000,000']);
    expect([1.5, NaN, Infinity, 2 ** 60].map(groupDigits)).toEqual(['1.5', 'NaN', 'Infinity', String(2 ** 60)]);
  });
});

describe('a device says the same thing everywhere', () => {
  const line = (over: Partial<UsageLine>): UsageLine => ({
    tag: 'UCM_Basic',
    short: 'UCM_Basic',
    displayName: 'UC Manager Basic License (12.x)',
    inUse: 2,
    reserved: 2,
    validUntil: '2027-Apr-01',
    termEndsAt: termEndsAt(END),
    licenseType: 'TERM',
    status: 'Authorized',
    ...over,
  });
  const status = (effective: number, usage: UsageLine[], graceDaysLeft = 90): InstanceStatus =>
    ({
      usage,
      clock: { now: effective, effective, behindMs: 0, rollbacks: 0 },
      overage: { days: 90 - graceDaysLeft, graceDaysLeft },
    }) as unknown as InstanceStatus;

  it('names a TERM license Expired once it ends, warns from 90 days, and never warns about PERPETUAL', () => {
    const perpetual = line({ tag: 'UCM_Enhanced', termEndsAt: null, validUntil: '', licenseType: 'PERPETUAL' });
    const term = line({});
    expect(describeValidity(perpetual, status(END, [perpetual]))).toBe('Perpetual');
    expect(describeValidity(term, status(END - 12 * DAY_MS, [term]))).toBe('2027-Apr-01 (13 days left)');
    expect(describeValidity(term, status(END + DAY_MS, [term]))).toBe('2027-Apr-01 (Expired)');
    expect(termWarnings(status(END - 100 * DAY_MS, [term, perpetual]))).toEqual([]);
    expect(termWarnings(status(END - 20 * DAY_MS, [term, perpetual])).map((w) => [w.line.tag, w.life.warning])).toEqual([['UCM_Basic', 30]]);
    expect(termWarnings(status(END + 5 * DAY_MS, [term, perpetual])).map((w) => w.life.expired)).toEqual([true]);
  });

  it('gives one grace figure in the status and in the advice (89.5 days left is 90, on both)', () => {
    const over = line({ inUse: 3, reserved: 2, status: 'Not Authorized', termEndsAt: null, licenseType: 'PERPETUAL' });
    const s = status(END, [over], 89.5);
    expect(graceLeft(s)).toBe('90 days');
    expect(describeOverage(s)).toContain('(90 days of grace left)');
    expect(complianceAdvice(s)[0]).toContain('the overage period has 90 days left');
  });
});
