/** The refusal a call ends in (its code, message and hint); fails the test when the call succeeds. */
export async function refused(p: Promise<unknown>): Promise<{ code: string; message: string; hint?: string }> {
  try {
    await p;
  } catch (e) {
    const err = e as { code?: string; message: string; hint?: string };
    if (!err.code) throw e;
    return { code: err.code, message: err.message, hint: err.hint };
  }
  throw new Error('expected a refusal, but the call succeeded');
}
