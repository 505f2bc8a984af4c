/** What the server answers: a value, or a refusal with the HTTP status its code calls for. */
import type { ApiReply } from '../../shared/authority/api.ts';
import type { RefusalCode, SlrError } from '../../shared/errors.ts';

/** The HTTP status of a refusal: who you are, what you may, how often; everything else is the ledger's rules. */
const STATUS: Partial<Record<RefusalCode, number>> = {
  'bad-request': 400,
  unauthorized: 401,
  forbidden: 403,
  'idempotency-key': 422,
  'rate-limited': 429,
};
export const statusOf = (code: string) => STATUS[code as RefusalCode] ?? 409;

export interface Answer {
  readonly status: number;
  readonly reply: ApiReply<unknown>;
}

export const answered = (value: unknown): Answer => ({ status: 200, reply: { ok: true, value: value ?? null } });

export const refused = (e: SlrError): Answer => ({
  status: statusOf(e.code),
  reply: { ok: false, error: { code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}), ...(e.detail ? { detail: e.detail } : {}) } },
});
