/**
 * How much slower than at rest the machine is for this run: the load per core when the run starts, between
 * 1 and 4 (SLR_TEST_SLOWDOWN sets it). vitest.config.ts measures it once and puts it in the environment the
 * workers inherit, so every process of a run uses the same figure; every timeout of the suite is scaled by
 * it, so a test never fails only because the machine is busy. Waits on events end as soon as the event
 * comes: only how long they may take grows.
 */
import { availableParallelism, loadavg } from 'node:os';

const measured = () => loadavg()[0]! / availableParallelism();

export const SLOWDOWN = Math.min(4, Math.max(1, Number(process.env.SLR_TEST_SLOWDOWN) || measured()));

/** `ms` as this run's timeout. */
export const scaled = (ms: number): number => Math.round(ms * SLOWDOWN);
