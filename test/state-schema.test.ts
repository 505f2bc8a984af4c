import { describe, expect, it } from 'vitest';
import { migrate, validateInstanceState } from '../shared/instance/schema.ts';
import { makeDevice, refusal } from './helpers/world.ts';

describe('persisted state', () => {
  it('validates a fresh state and refuses inconsistent ones with the field named', () => {
    const { state } = makeDevice();
    expect(validateInstanceState(JSON.parse(JSON.stringify(state)))).toEqual(state);
    expect(refusal(() => validateInstanceState({ ...state, registration: 'Registered - Specific License Reservation' })).message).toMatch(/installed: an installed code goes with/);
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
