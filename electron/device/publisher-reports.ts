/**
 * While `slr cluster serve` runs, the publisher talks to License Central by itself: the calls that are due
 * (online-service.ts's catchUp: renewals, the daily usage report, an export retry) at once after a subscriber's
 * sync changed the cluster's usage, and every minute otherwise, one at a time. Nothing runs for a publisher that
 * is not registered online (a reserved cluster carries its codes by hand). The timers are injected: tests fire them.
 */
import { catchUp, type OnlineOutcome } from './online-service.ts';
import type { InstanceService } from './instance-service.ts';

export interface Timers {
  set(fn: () => void, ms: number): { cancel(): void };
}

const realTimers: Timers = {
  set: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return { cancel: () => clearTimeout(t) };
  },
};

export const REPORT_CHECK_MS = 60_000;

export interface PublisherReports {
  /** Something changed (a subscriber synced): the due calls are made now (after the one under way). */
  poke(): void;
  stop(): Promise<void>;
}

export function publisherReports(
  service: InstanceService,
  clock: () => number,
  o: { timers?: Timers; onReport?: (r: OnlineOutcome | Error) => void } = {},
): PublisherReports {
  const timers = o.timers ?? realTimers;
  let stopped = false;
  let again = false;
  let running: Promise<void> | null = null;
  let timer: { cancel(): void } | null = null;
  const once = async () => {
    try {
      const done = service.exists() ? await catchUp(service, clock()) : null;
      if (done) o.onReport?.(done);
    } catch (e) {
      o.onReport?.(e instanceof Error ? e : new Error(String(e)));
    }
  };
  const run = (): void => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    timer?.cancel();
    running = once().finally(() => {
      running = null;
      if (stopped) return;
      if (again) {
        again = false;
        return run();
      }
      timer = timers.set(run, REPORT_CHECK_MS);
    });
  };
  run();
  return {
    poke: run,
    async stop() {
      stopped = true;
      timer?.cancel();
      await running;
    },
  };
}
