/**
 * The operator's flow: in every phase at most one current step (none only while reservation is off), codes
 * still to carry decide the current step, and the app never names a CLI command it offers as a control.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { flowInputOf, operatorFlow, complianceAdvice } from '../shared/instance/operator-flow.ts';
import { REGISTRATION } from '../shared/instance/state.ts';
import { controlFor } from '../renderer/components/controls.ts';

const view = (registration: string, o: { enabled?: boolean; request?: number; confirmation?: string; ret?: number; installed?: string } = {}) =>
  flowInputOf({
    status: {
      reservationEnabled: o.enabled ?? true,
      registration: registration as never,
      installed: o.installed ? { timestamp: o.installed } : null,
    },
    lastRequest: o.request === undefined ? null : { at: o.request },
    lastConfirmation: o.confirmation === undefined ? null : { at: 5, timestamp: o.confirmation },
    lastReturn: o.ret === undefined ? null : { at: o.ret },
  });

describe('the operator flow', () => {
  const cases: [string, ReturnType<typeof view>, string | null][] = [
    ['reservation off', view(REGISTRATION.unregistered, { enabled: false }), null],
    ['enabled, nothing yet', view(REGISTRATION.unregistered), 'request'],
    ['request made', view(REGISTRATION.inProgress, { request: 1 }), 'install'],
    ['installed', view(REGISTRATION.registered, { request: 1, installed: '100' }), 'installed'],
    ['update installed: its confirmation to carry', view(REGISTRATION.registered, { confirmation: '200', installed: '200' }), 'confirmation'],
    ['a confirmation of an older code is not to carry', view(REGISTRATION.registered, { confirmation: '100', installed: '300' }), 'installed'],
    ['returned: the return code to carry', view(REGISTRATION.unregistered, { request: 1, ret: 9 }), 'return'],
    ['returned, then reservation turned off: still the return code', view(REGISTRATION.unregistered, { enabled: false, ret: 9 }), 'return'],
    ['returned, then a new request', view(REGISTRATION.inProgress, { request: 10, ret: 9 }), 'install'],
    ['a request after the return, cancelled', view(REGISTRATION.unregistered, { request: 10, ret: 9 }), 'request'],
  ];
  it.each(cases)('%s', (_, input, current) => {
    const flow = operatorFlow(input);
    expect(flow.current).toBe(current);
    expect(flow.steps.filter((s) => s.state === 'current').map((s) => s.id)).toEqual(current ? [current] : []);
    expect(flow.next.length).toBeGreaterThan(10);
  });

  it('advice names each license whose usage is not covered, and what to do', () => {
    const usage = [
      { displayName: 'UC Manager Basic License (12.x)', inUse: 3, reserved: 2, status: 'Not Authorized' },
      { displayName: 'UC Manager Enhanced License (12.x)', inUse: 1, reserved: 1, status: 'Authorized' },
    ];
    expect(complianceAdvice({ usage, overage: { graceDaysLeft: 89.5 } })).toEqual([
      'UC Manager Basic License (12.x): 3 in use, 2 reserved. Ask License Central to update the reservation to at least 3, or reduce usage to 2; the overage period has 90 days left before new usage is refused.',
    ]);
  });
});

describe('the app names controls, not commands', () => {
  it('every device command the engine names in its messages has a control in the app', () => {
    const files = execFileSync('git', ['ls-files', 'shared', 'electron'], { encoding: 'utf8' })
      .split('\n')
      .filter((f) => f.endsWith('.ts'));
    const named = new Set<string>();
    for (const f of files) {
      for (const m of readFileSync(f, 'utf8').matchAll(/`((?:slr )?license smart reservation [a-z-]+)[^`]*`/g)) if (!m[1]!.includes('$')) named.add(m[1]!);
    }
    expect(named.size).toBeGreaterThan(4);
    expect([...named].filter((c) => controlFor(c) === null)).toEqual([]);
  });

  it('a command the app offers is named by its control; one it does not is left to the command line', () => {
    expect(controlFor('license smart reservation return-authorization "<code>"')).toMatch(/Return it without installing/);
    expect(controlFor('slr license trust add <file>')).toMatch(/Add License Central key/);
    expect(controlFor('slr authority clock accept --reason "…"')).toBeNull();
  });
});
