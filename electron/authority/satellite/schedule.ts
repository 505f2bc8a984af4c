/**
 * A connected satellite's rounds by themselves, while `slr authority serve` (or the app) runs: a round when
 * the satellite's record says one is due (at start, then its interval, or the back-off after a failure), the
 * record read again at least every minute so that a `sync now` run elsewhere or a new enrolment is seen. The
 * clock and the timers are injected: the tests fire them, never wait.
 */
import type { RoundDone, RoundFailed } from './connected.ts';

export interface Timers {
  set(fn: () => void, ms: number): { cancel(): void };
}

export const realTimers: Timers = {
  set: (fn, ms) => {
    const t = setTimeout(fn, ms);
    return { cancel: () => clearTimeout(t) };
  },
};

/** The longest the schedule sleeps before it reads the satellite's record again. */
export const CHECK_EVERY_MS = 60_000;

export interface ScheduleOptions {
  /** When the next round is due (null: none yet, due now), or `stop` when this is no connected satellite (any more). */
  readonly due: () => Promise<number | null | 'stop'>;
  readonly round: (now: number) => Promise<RoundDone | RoundFailed>;
  readonly clock: () => number;
  readonly timers?: Timers;
  /** Told of every round (and of an error no round could record). */
  readonly onRound?: (r: RoundDone | RoundFailed | { ok: false; error: Error }) => void;
}

export interface Schedule {
  /** Stops, after the round under way (if any) has finished. */
  stop(): Promise<void>;
}

export function scheduleRounds(o: ScheduleOptions): Schedule {
  const timers = o.timers ?? realTimers;
  let stopped = false;
  let timer: { cancel(): void } | null = null;
  let running: Promise<void> = Promise.resolve();
  const tick = async () => {
    timer = null;
    let wait = CHECK_EVERY_MS;
    try {
      let due = await o.due();
      if (due === 'stop') return;
      if (due === null || o.clock() >= due) {
        o.onRound?.(await o.round(o.clock()));
        due = await o.due();
        if (due === 'stop') return;
      }
      if (due !== null) wait = Math.min(CHECK_EVERY_MS, Math.max(1_000, due - o.clock()));
    } catch (e) {
      o.onRound?.({ ok: false, error: e instanceof Error ? e : new Error(String(e)) });
    }
    if (!stopped) timer = timers.set(fire, wait);
  };
  const fire = () => {
    running = tick();
  };
  fire();
  return {
    async stop() {
      stopped = true;
      timer?.cancel();
      await running;
    },
  };
}
