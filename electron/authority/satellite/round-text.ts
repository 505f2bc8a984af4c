/** A connected satellite's round in words (the CLI's `sync now` and `satellite enrol`, the app's Satellites tab) and as JSON. */
import { formatInstant } from '../../../shared/codes/dates.ts';
import type { RoundDone, RoundFailed } from './connected.ts';

/** `tryNow`: how the reader starts a round at once (the CLI's command, or the app's button). */
export function roundText(r: RoundDone | RoundFailed, tryNow = '`slr authority sync now`'): string {
  if (!r.ok)
    return `Synchronising with the parent failed: ${r.error.message} Devices are served from what this satellite holds; the next attempt is from ${formatInstant(r.nextAt)} (${tryNow} tries at once).`;
  return [
    `${r.enrolled ? 'The parent took the enrolment. ' : ''}Synchronised: file ${r.up} sent (${r.events} events), answer ${r.down} applied${r.changed.length ? `: ${r.changed.join('; ')}` : ': nothing to change'}.`,
    `Next round from ${formatInstant(r.nextAt)}.`,
  ].join(' ');
}

export function roundJson(r: RoundDone | RoundFailed): object {
  return r.ok ? r : { ok: false, error: { code: r.error.code, message: r.error.message, hint: r.error.hint }, failures: r.failures, nextAt: r.nextAt };
}
