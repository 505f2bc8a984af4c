/** What the command table's families share: words, hints and the parameter of an authorization code. */
import { z } from 'zod/mini';
import { LIMITS } from '../limits.ts';
import type { CliParam } from './command-entry.ts';

export const never = () => false;
export const code = z.string().check(z.minLength(1), z.maxLength(LIMITS.authorizationCodeChars));
export const RESERVATION = 'license smart reservation';
export const ENABLE = 'Run `license smart reservation enable` first.';
export const REQUEST = 'Run `license smart reservation request` and take the request code to License Central.';
export const codeParam: CliParam = { name: 'code', label: '"<authorization code>"', kind: 'text' };
