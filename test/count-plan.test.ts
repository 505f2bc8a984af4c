/** The reservation forms' plan: counts as typed, checked against what is free, and the change they make. */
import { describe, expect, it } from 'vitest';
import { countPlan } from '../shared/authority/count-plan.ts';

const line = (asked: string, now = 4, available = 6) => ({ short: 'UCM_Basic', displayName: 'UC Manager Basic License (12.x)', now, available, asked });

describe('the count plan', () => {
  it('a decrease goes into transition, an increase is taken from the pool, unchanged lines are not sent', () => {
    const plan = countPlan([line('2'), { ...line('3', 1, 2), short: 'UCM_Enhanced' }, { ...line('', 5), short: 'UCM_CUWL' }]);
    expect(plan.ok).toBe(true);
    expect(plan.changed).toEqual({ UCM_Basic: 2, UCM_Enhanced: 3 });
    expect(plan.toTransition).toBe(2);
    expect(plan.taken).toBe(2);
    expect(plan.lines.map((l) => l.change)).toEqual([-2, 2, 0]);
  });

  it('names what is wrong with each line, inline, and is not ok while anything is', () => {
    expect(countPlan([line('11')]).lines[0]!.problem).toBe('Only 6 more available in this virtual account (asked for 7 more).');
    expect(countPlan([line('10')]).ok).toBe(true);
    for (const bad of ['-1', '2.5', '1e3', 'two', '99999999', '0x10']) {
      const p = countPlan([line(bad)]);
      expect(p.ok, bad).toBe(false);
      expect(p.lines[0]!.problem, bad).toMatch(/is not a count: enter a whole number from 0 to 9,999,999\.$/);
      expect(p.changed, bad).toEqual({});
    }
  });

  it('nothing changed is not a plan to send', () => {
    expect(countPlan([line('4')]).ok).toBe(false);
    expect(countPlan([line(' 4 ')]).changed).toEqual({});
  });
});
