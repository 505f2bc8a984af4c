/**
 * The one error type of the engine: a refusal with a stable machine code, a sentence that says what is
 * wrong, and (where there is one) what to do instead. Everything that rejects input or a command throws it.
 */
/**
 * Every reason a command or an input can be refused, in one vocabulary: control flow (exit codes, the
 * lockout, the app's messages) branches on these, never on free strings.
 */
export const REFUSAL_CODES = [
  // input: codes and files
  'code-empty',
  'code-too-large',
  'code-bad-character',
  'code-wrong-type',
  'code-wrong-length',
  'code-typo',
  'code-with-text',
  'code-malformed',
  'code-field',
  'code-parts-missing',
  'code-parts-invalid',
  'request-version',
  'request-product',
  'return-version',
  'udi-malformed',
  'udi-unknown-product',
  'bad-key',
  'file',
  'file-not-text',
  'not-local',
  'bad-time',
  'bad-date',
  'bad-count',
  'bad-name',
  'bad-text',
  'bad-product',
  'bad-instance',
  'bad-license',
  'qr-too-large',
  // the product instance
  'not-allowed',
  'untrusted',
  'wrong-device',
  'altered-request',
  'reservation-closed',
  'other-reservation',
  'already-installed',
  'replay',
  'checkpoint-missing',
  'authority-rolled-back',
  'authority-forked',
  'unknown-license',
  'enforced',
  'not-in-evaluation',
  'already-trusted',
  'not-trusted',
  'key-not-endorsed',
  'endorsement-invalid',
  'last-key',
  'key-in-use',
  'key-sealed',
  'no-instance',
  'instance-exists',
  'state-corrupt',
  'state-newer',
  'state-tampered',
  'no-sip-trunk',
  // the license authority
  'no-authority',
  'authority-exists',
  'no-account',
  'account-exists',
  'no-key',
  'already-retired',
  'no-licenses',
  'minimal-set',
  'shortfall',
  'ambiguous-instance',
  'request-used',
  'wrong-product',
  'wrong-code',
  'replayed-code',
  'superseded-code',
  'locked',
  'not-locked',
  'same-account',
  'no-reason',
  'clock-behind',
  'keys-locked',
  'wrong-passphrase',
  'weak-passphrase',
  'key-damaged',
  'key-backup-invalid',
  'key-mismatch',
  'output-not-written',
  // License Central as a server: its users and its clients
  'forbidden',
  'unauthorized',
  'rate-limited',
  'no-user',
  'user-exists',
  'bad-request',
  'idempotency-key',
  'local-only',
  'server-unreachable',
  'server-untrusted',
  'server-error',
  'not-logged-in',
  'proxy-refused',
  // Smart Licensing online: registration tokens
  'token-malformed',
  'token-tampered',
  'token-untrusted',
  'no-token',
  'token-revoked',
  'token-expired',
  'token-used-up',
  'export-not-permitted',
  'registration-owned',
  // satellites: a parent License Central and the satellites it allocates to, and their sync files
  'bad-sync-file',
  'wrong-sync-file',
  'sync-untrusted',
  'sync-replayed',
  'sync-out-of-order',
  'sync-forked',
  'no-satellite',
  'satellite-exists',
  'parent-owned',
  // offline usage reports and their acknowledgements (shared/codes/usage-report.ts)
  'report-malformed',
  'report-too-large',
  'report-wrong-kind',
  'report-replayed',
  'report-stale',
  'report-conflict',
  'ack-replayed',
  'ack-unknown',
  // the server's webhooks
  'no-webhook',
  'bad-webhook-url',
  'webhook-undelivered',
  // either side
  'busy',
  'lock-lost',
  'log-tampered',
] as const;
export type RefusalCode = (typeof REFUSAL_CODES)[number];

export class SlrError extends Error {
  readonly code: RefusalCode;
  readonly hint: string | undefined;
  /** Figures a program acts on (a device resynchronises its call counter from `lastSeq`). */
  readonly detail: Readonly<Record<string, number>> | undefined;
  constructor(code: RefusalCode, message: string, hint?: string, detail?: Readonly<Record<string, number>>) {
    super(message);
    this.name = 'SlrError';
    this.code = code;
    this.hint = hint;
    this.detail = detail;
  }
}

export function refuse(code: RefusalCode, message: string, hint?: string): never {
  throw new SlrError(code, message, hint);
}

export function isSlrError(e: unknown): e is SlrError {
  return e instanceof SlrError;
}

/** The paragraph an operator reads: the reason, then what to do. */
export function describeError(e: SlrError): string {
  return e.hint ? `${e.message}\n${e.hint}` : e.message;
}
