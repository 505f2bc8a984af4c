/**
 * The webhooks' deliveries while License Central serves (issue 30): a round of the outbox
 * (authority/webhooks/deliveries.ts) after every request that may have logged an event, and every
 * few seconds for the retries that fall due. Rounds never overlap: a kick during a round asks for one
 * more after it. A round that fails (the ledger busy) is tried at the next tick: never fatal.
 */
import type { Ledger } from '../authority/ledger.ts';
import type { PostDelivery } from '../authority/webhooks/webhook-post.ts';

/** How often the outbox is looked at when nothing kicks it (the first retry is a minute away). */
export const WEBHOOK_TICK_MS = 15_000;

export interface WebhookRounds {
  /** Something may have been logged: a round soon (at once, or after the one running). */
  readonly kick: () => void;
  /** Until the rounds asked for so far are done (the tests wait on it). */
  readonly settled: () => Promise<void>;
  /** No more rounds; waits for the one running. */
  readonly stop: () => Promise<void>;
}

export function webhookRounds(ledger: Ledger, clock: () => number, post?: PostDelivery): WebhookRounds {
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;
  const round = async () => {
    do {
      again = false;
      try {
        await ledger.deliverWebhooks(clock(), post);
      } catch (e) {
        console.error(`Webhook deliveries: ${(e as Error).message} (tried again in ${WEBHOOK_TICK_MS / 1000} s)`);
      }
    } while (again && !stopped);
  };
  const kick = () => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = round().finally(() => {
      running = null;
    });
  };
  const timer = setInterval(kick, WEBHOOK_TICK_MS);
  timer.unref();
  return {
    kick,
    settled: async () => {
      while (running) await running;
    },
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
