// Before install, what a code would do license by license (the app shows it beside the code): in use now,
// reserved now, reserved by the code, the status after, and a plain warning when it leaves usage uncovered.
import { describe, expect, it } from 'vitest';
import { parseAuthorizationCode } from '../shared/codes/authorization-code.ts';
import { installImpact } from '../shared/instance/impact.ts';
import { inspectCode } from '../shared/instance/commands.ts';
import { AUTHORIZATION } from '../shared/instance/state.ts';
import { verifyingCrypto } from '../electron/platform/crypto.ts';
import { issue, lines, makeAuthorityKey, makeDevice, T0 } from './helpers/world.ts';

function registered(basic: number, inUse: number) {
  const key = makeAuthorityKey();
  const device = makeDevice('UCM', T0, [key]);
  device.run({ type: 'enable' }, T0);
  device.run({ type: 'request' }, T0);
  const first = issue(key, device, lines('UCM', { UCM_Basic: basic }), { timestamp: T0 + 1000 });
  device.run({ type: 'install', code: first.code }, T0 + 2000);
  device.run({ type: 'usage', tag: 'UCM_Basic', count: inUse }, T0 + 3000);
  return { key, device, piid: first.piid };
}

describe('the impact of installing a code', () => {
  it('warns, license by license, when an update reserves fewer than are in use', () => {
    const { key, device, piid } = registered(3, 3);
    const update = issue(key, device, lines('UCM', { UCM_Basic: 2 }), { piid, timestamp: T0 + 4000 });
    const impact = installImpact(device.state, parseAuthorizationCode(update.code), T0 + 5000);
    const basic = impact.lines.find((l) => l.tag.includes('UCM_Basic'))!;
    expect(basic).toMatchObject({ inUse: 3, reservedNow: 3, reservedByCode: 2, statusNow: 'Authorized', statusAfter: 'Not Authorized' });
    expect(impact.authorizationNow).toBe(AUTHORIZATION.authorized);
    expect(impact.authorizationAfter).toBe(AUTHORIZATION.notAuthorized);
    expect(impact.warnings).toHaveLength(1);
    expect(impact.warnings[0]).toMatch(/reserves 2 where 3 are in use.*Not Authorized.*90-day overage period runs.*at least 3/);
    // The same is part of what inspection reports; nothing was installed by looking.
    const inspection = inspectCode(device.state, update.code, verifyingCrypto, T0 + 5000);
    expect(inspection.problems).toEqual([]);
    expect(inspection.impact.warnings).toEqual(impact.warnings);
    expect(device.state.installed!.code).not.toBe(update.code);
  });

  it('says nothing goes wrong for an update that covers the usage, and shows evaluation before a first code', () => {
    const { key, device, piid } = registered(3, 3);
    const more = issue(key, device, lines('UCM', { UCM_Basic: 5, UCM_Enhanced: 1 }), { piid, timestamp: T0 + 4000 });
    const impact = installImpact(device.state, parseAuthorizationCode(more.code), T0 + 5000);
    expect(impact.warnings).toEqual([]);
    expect(impact.lines.map((l) => [l.reservedNow, l.reservedByCode, l.statusAfter])).toEqual([
      [3, 5, 'Authorized'],
      [0, 1, 'Not in Use'],
    ]);

    const fresh = makeDevice('UCM', T0, [key]);
    fresh.run({ type: 'enable' }, T0);
    fresh.run({ type: 'request' }, T0);
    fresh.run({ type: 'usage', tag: 'UCM_Basic', count: 4 }, T0);
    const first = issue(key, fresh, lines('UCM', { UCM_Basic: 4 }), { timestamp: T0 + 1000 });
    const line = installImpact(fresh.state, parseAuthorizationCode(first.code), T0 + 2000).lines[0]!;
    expect(line).toMatchObject({ inUse: 4, reservedNow: 0, reservedByCode: 4, statusNow: 'Evaluation', statusAfter: 'Authorized' });
  });
});
