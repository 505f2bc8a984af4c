/**
 * The one error type of the engine: a refusal with a stable machine code, a sentence that says what is
 * wrong, and (where there is one) what to do instead. Everything that rejects input or a command throws it.
 */
export class SlrError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  constructor(code: string, message: string, hint?: string) {
    super(message);
    this.name = 'SlrError';
    this.code = code;
    this.hint = hint;
  }
}

export function refuse(code: string, message: string, hint?: string): never {
  throw new SlrError(code, message, hint);
}

export function isSlrError(e: unknown): e is SlrError {
  return e instanceof SlrError;
}

/** The paragraph an operator reads: the reason, then what to do. */
export function describeError(e: SlrError): string {
  return e.hint ? `${e.message}\n${e.hint}` : e.message;
}
