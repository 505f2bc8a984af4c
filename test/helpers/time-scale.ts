/**
 * How much slower than at rest the machine is for this run: vitest.config.ts measures it once (the load
 * per core when the run starts, between 1 and 4; SLR_TEST_SLOWDOWN overrides it) and every timeout of the
 * suite is scaled by it, so a test never fails only because the machine is busy. Waits on events end as
 * soon as the event comes: only how long they may take grows.
 */
export const SLOWDOWN = Math.min(4, Math.max(1, Number(process.env.SLR_TEST_SLOWDOWN) || 1));

/** `ms` as this run's timeout. */
export const scaled = (ms: number): number => Math.round(ms * SLOWDOWN);
