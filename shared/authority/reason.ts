/** The reason an administrator gives for a logged act (rehost, clock accept, export control…). */
import { refuse } from '../errors.ts';
import { textProblem } from '../text.ts';

export const MAX_REASON = 500;

/** A reason that goes into the log: printable text of at most 500 characters; refused otherwise. */
export function checkReason(reason: string): void {
  const problem = textProblem(reason, MAX_REASON);
  if (problem) refuse('bad-text', `The reason is not acceptable: ${problem}.`, `A reason is printable text of at most ${MAX_REASON} characters.`);
}
