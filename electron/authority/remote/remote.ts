/**
 * An administrator's session with License Central as a server: what a CLI home keeps after `slr authority
 * login` (server, pinned certificate, user, token; mode 0600). The calls themselves go through
 * ../server-client.ts, which devices use too.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { refuse } from '../../../shared/errors.ts';
import { formatInstant } from '../../../shared/codes/dates.ts';
import { writeWhole } from '../../platform/files.ts';
import { callApi, fetchCertificate } from '../../net/server-client.ts';

export const SESSION_FILE = 'authority-session.json';

const sessionSchema = z.strictObject({
  server: z.string().url(),
  fingerprint: z.string().regex(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/),
  certificate: z.string().min(1).max(20_000),
  user: z.string().min(1).max(64),
  token: z.string().min(10).max(200),
  expiresAt: z.number().nullable(),
});
export type RemoteSession = z.infer<typeof sessionSchema>;

/** Where this home's server session is, or null when the home works on its own ledger. */
export function loadSession(home: string): RemoteSession | null {
  const path = join(home, SESSION_FILE);
  if (!existsSync(path)) return null;
  const parsed = sessionSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success)
    refuse('state-corrupt', `${path} is not a License Central session.`, 'Log in again: `slr authority logout`, then `slr authority login`.');
  return parsed.data;
}

export function saveSession(home: string, session: RemoteSession): string {
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const path = join(home, SESSION_FILE);
  writeWhole(path, `${JSON.stringify(session, null, 2)}\n`, 0o600);
  return path;
}

export function forgetSession(home: string): boolean {
  const path = join(home, SESSION_FILE);
  const had = existsSync(path);
  rmSync(path, { force: true });
  return had;
}

/** Logs in: checks the server's certificate against the fingerprint, then asks for a session. */
export async function login(input: { server: string; user: string; password: string; fingerprint: string }): Promise<RemoteSession> {
  return (await loginWith(input)).session;
}

/** The same, and whether the password was a one-time one (the user must set their own before anything else). */
export async function loginWith(input: {
  server: string;
  user: string;
  password: string;
  fingerprint: string;
}): Promise<{ session: RemoteSession; mustChangePassword: boolean }> {
  const presented = await fetchCertificate(input.server);
  if (presented.fingerprint !== input.fingerprint)
    refuse(
      'server-untrusted',
      `The server presents a certificate with the fingerprint ${presented.fingerprint}, not ${input.fingerprint}: nothing was sent to it.`,
      "Check the fingerprint with the server's administrator (`slr authority serve` prints it). Someone may be in between.",
    );
  const target = { server: input.server, fingerprint: presented.fingerprint, certificate: presented.certificate };
  const r = (await callApi(target, 'login', { user: input.user, password: input.password })) as {
    token: string;
    expiresAt: number;
    mustChangePassword: boolean;
  };
  return { session: { ...target, user: input.user, token: r.token, expiresAt: r.expiresAt }, mustChangePassword: r.mustChangePassword === true };
}

/** A line about the session, for `login` and for errors. */
export function describeSession(s: RemoteSession): string {
  return `${s.user} at ${s.server}${s.expiresAt ? `, until ${formatInstant(s.expiresAt)}` : ''}`;
}
