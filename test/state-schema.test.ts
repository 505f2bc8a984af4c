import { describe, expect, it } from 'vitest';
import { persistedState } from '../shared/instance/state.ts';
import { migrate, validateInstanceState } from '../shared/instance/schema.ts';
import { issue, lines, makeAuthorityKey, makeDevice, refusal, T0 } from './helpers/world.ts';

describe('persisted state', () => {
  it('validates a fresh state and refuses inconsistent ones with the field named', () => {
    const { state } = makeDevice();
    expect(validateInstanceState(JSON.parse(JSON.stringify(state)))).toEqual(state);
    expect(refusal(() => validateInstanceState({ ...state, registration: 'Registered - Specific License Reservation' })).message).toMatch(
      /installed: an installed code goes with/,
    );
    expect(refusal(() => validateInstanceState({ ...state, uuid: 'x' })).message).toMatch(/uuid/);
    expect(refusal(() => validateInstanceState({ ...state, extra: 1 })).message).toMatch(/extra/);
    expect(refusal(() => validateInstanceState([])).code).toBe('state-corrupt');
    expect(refusal(() => validateInstanceState({ ...state, schemaVersion: '1' })).message).toMatch(/schemaVersion/);
  });

  it('migrates older schema versions step by step, and refuses newer ones', () => {
    const migrations = { 1: (old: Record<string, unknown>) => ({ ...old, b: 2 }), 2: (old: Record<string, unknown>) => ({ ...old, c: (old.b as number) + 1 }) };
    expect(migrate({ schemaVersion: 1, a: 1 }, migrations, 3)).toEqual({ schemaVersion: 3, a: 1, b: 2, c: 3 });
    expect(refusal(() => migrate({ schemaVersion: 4 }, migrations, 3)).code).toBe('state-newer');
    expect(refusal(() => migrate({ schemaVersion: 1 }, {}, 2)).message).toMatch(/No migration from schema 1 to 2/);
  });
});

describe('schema 1 to 2: codes belong to one reservation', () => {
  /** A schema-1 state as the first version wrote it. */
  function schema1(over: Record<string, unknown>) {
    const { state } = makeDevice();
    const {
      reservation: _r,
      closedReservations: _c,
      clock,
      ...rest
    } = JSON.parse(JSON.stringify(state)) as Record<string, unknown> & { clock: { highWater: number; accountedTo: number; rollbacks: number } };
    return {
      ...rest,
      schemaVersion: 1,
      highestCodeTimestamp: '0',
      clock: { highWater: clock.highWater, accountedTo: clock.accountedTo, rollbacks: 0 },
      ...over,
    };
  }

  it('keeps an installed reservation, known by its piid, so that its updates still install', () => {
    const key = makeAuthorityKey();
    const d = makeDevice('UCM', T0, [key]);
    d.run({ type: 'enable' }, T0);
    d.run({ type: 'request' }, T0);
    const first = issue(key, d, lines('UCM', { UCM_Basic: 2 }), { timestamp: T0 + 10 });
    d.run({ type: 'install', code: first.code }, T0 + 20);
    const { reservation: _r, closedReservations: _c, ...rest } = JSON.parse(JSON.stringify(persistedState(d.state))) as Record<string, unknown>;
    const old = { ...rest, schemaVersion: 1, highestCodeTimestamp: String(T0 + 10), clock: { highWater: T0 + 20, accountedTo: T0 + 20, rollbacks: 0 } };
    const migrated = validateInstanceState(old);
    expect(migrated.reservation).toEqual({ nonce: null, piid: first.piid, requestedAt: T0 + 20, lastTimestamp: String(T0 + 10) });
    d.state = migrated;
    expect(
      d.run({ type: 'install', code: issue(key, d, lines('UCM', { UCM_Basic: 3 }), { piid: first.piid, timestamp: T0 + 30 }).code }, T0 + 40).issued?.kind,
    ).toBe('confirmation');
    expect(refusal(() => d.run({ type: 'install', code: first.code }, T0 + 50)).code).toBe('replay');
  });

  it('drops a request in progress (its version-1 request code is no longer read) and brings a wild clock back', () => {
    const migrated = validateInstanceState(
      schema1({
        reservationEnabled: true,
        registration: 'Reservation In Progress',
        clock: { highWater: 9_000_000_000_000_000, accountedTo: 9_000_000_000_000_000, rollbacks: 0 },
      }),
    );
    expect(migrated.registration).toBe('Unregistered');
    expect(migrated.reservation).toBeNull();
    expect(migrated.clock.highWater).toBe(T0);
    expect(
      migrated.events
        .filter((e) => e.type === 'migrate')
        .map((e) => e.message)
        .join(' '),
    ).toMatch(/request again[\s\S]*outside the years 2000-2999/);
  });

  it('refuses a state whose clock is outside the sane range, or whose reservation does not go with its status', () => {
    const { state } = makeDevice();
    expect(refusal(() => validateInstanceState({ ...state, clock: { ...state.clock, highWater: 9_000_000_000_000_000 } })).message).toMatch(/clock.highWater/);
    expect(refusal(() => validateInstanceState({ ...state, registration: 'Reservation In Progress' })).message).toMatch(
      /reservation: a current reservation goes with/,
    );
  });
});
