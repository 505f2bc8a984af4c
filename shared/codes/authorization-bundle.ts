/**
 * Many devices in one hand-off: a bundle of authorization codes License Central reserved in one step for a
 * batch of request codes (`slr authority reserve --requests`), one file carried to every device, each of which
 * installs its own entry (by its UDI). The bundle adds no trust of its own: every code in it is signed and bound
 * to its device's UDI and request, so an entry swapped, altered or copied into another bundle is refused by the
 * device as a single code would be.
 */
import { z } from 'zod/mini';
import '../schema-messages.ts';
import { refuse } from '../errors.ts';

export const BUNDLE_FORMAT = 'slr-desk/authorization-bundle/1';
/** The most devices one batch reserves for (and one bundle carries). */
export const MAX_BATCH = 1000;
/** Bytes of a bundle file read at most: MAX_BATCH codes of a few kilobytes each. */
export const MAX_BUNDLE_BYTES = 32 * 1024 * 1024;

const entry = z.strictObject({
  udi: z.string().check(z.minLength(1), z.maxLength(200)),
  sn: z.string().check(z.regex(/^[0-9a-f]{5}$/)),
  code: z.string().check(z.minLength(1), z.maxLength(1_048_576)),
});
const bundle = z.strictObject({
  format: z.literal(BUNDLE_FORMAT),
  account: z.string().check(z.minLength(1), z.maxLength(200)),
  issuedAt: z.string().check(z.maxLength(40)),
  entries: z.array(entry).check(z.minLength(1), z.maxLength(MAX_BATCH)),
});
export type AuthorizationBundle = z.infer<typeof bundle>;
export type BundleEntry = z.infer<typeof entry>;

export function makeBundle(account: string, issuedAt: string, entries: readonly BundleEntry[]): string {
  return `${JSON.stringify({ format: BUNDLE_FORMAT, account, issuedAt, entries }, null, 1)}\n`;
}

/** Whether a text is meant as a bundle (a JSON object naming the format): then it is read as one, or refused. */
export const looksLikeBundle = (text: string) => /^\s*\{/.test(text) && text.includes(BUNDLE_FORMAT);

export function parseBundle(text: string): AuthorizationBundle {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    refuse('code-malformed', 'The authorization bundle is not JSON: it was cut short or changed.', 'Ask License Central for the bundle file again.');
  }
  const parsed = bundle.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    refuse(
      'code-malformed',
      `The authorization bundle is not one License Central writes (${issue.path.join('.') || 'the file'}: ${issue.message}).`,
      'Ask License Central for the bundle file again.',
    );
  }
  const udis = new Set<string>();
  for (const e of parsed.data.entries) {
    if (udis.has(e.udi)) refuse('code-malformed', `The authorization bundle has two entries for ${e.udi}.`, 'Ask License Central for the bundle file again.');
    udis.add(e.udi);
  }
  return parsed.data;
}

/** This device's authorization code in a bundle (by its UDI), or a refusal that says whose codes it holds. */
export function entryFor(text: string, udi: string, sn: string): string {
  const b = parseBundle(text);
  const mine = b.entries.find((e) => e.udi === udi);
  if (mine) return mine.code;
  const few = b.entries.slice(0, 5).map((e) => e.sn);
  refuse(
    'wrong-device',
    `This authorization bundle holds no code for this device (serial number ${sn}): it holds ${b.entries.length === 1 ? 'one' : b.entries.length} for ${few.join(', ')}${b.entries.length > few.length ? ', …' : ''}.`,
    'Give License Central this device’s request code, or install the bundle made for it.',
  );
}
