/**
 * Usage and the License Central keys the device trusts: usage, trust-add, trust-remove: entries of the product instance's command table (command-table.ts says what an entry
 * holds).
 */
import { assertMayProvision } from './cluster.ts';
import { z } from 'zod/mini';
import { findEntitlement } from '../catalog.ts';
import { refuse } from '../errors.ts';
import { LIMITS } from '../limits.ts';
import type { TrustedKey } from './state.ts';
import { deriveStatus, productOf } from './status.ts';
import { keysToTrust } from './trust.ts';
import { entry } from './command-entry.ts';
import { event, withEvents } from './rules.ts';
import { never } from './command-words.ts';
import { FORGET_COMMAND } from './witness.ts';

export const USAGE_TRUST_COMMANDS = {
  usage: entry({
    needsKey: never,
    args: z.strictObject({ tag: z.string().check(z.minLength(1), z.maxLength(200)), count: z.int().check(z.gte(0), z.lte(LIMITS.maxCount)) }),
    bridge: true,
    cli: [
      {
        words: 'license usage',
        params: [
          { name: 'tag', label: '<tag or short name>', kind: 'text' },
          { name: 'count', label: '<count>', kind: 'count' },
        ],
        summary: "Set the product's current consumption of a license (what the product reports).",
        example: 'slr license usage UCM_Basic 25',
      },
    ],
    run: (state, args, ctx) => {
      const t = state.clock.highWater;
      const product = productOf(state);
      const def = findEntitlement(product, args.tag);
      if (!def)
        refuse(
          'unknown-license',
          `${args.tag} is not a license of ${product.name}.`,
          `Known licenses: ${product.entitlements.map((e) => e.short).join(', ')}.`,
        );
      if (!Number.isSafeInteger(args.count) || args.count < 0 || args.count > LIMITS.maxCount) {
        refuse('bad-count', `The usage count must be a whole number from 0 to ${LIMITS.maxCount}, not ${args.count}.`);
      }
      const before = state.usage[def.tag] ?? 0;
      // A cluster subscriber licenses under its publisher: only the publisher's silence limits it.
      const subscriber = state.cluster?.role === 'subscriber';
      if (subscriber && args.count > before) assertMayProvision(state, t);
      if (!subscriber && args.count > before) {
        const status = deriveStatus(state, ctx.now);
        if (status.enforcement.active)
          refuse(
            'enforced',
            `Cannot add usage of ${def.displayName}: ${status.enforcement.reason}`,
            'Existing usage keeps working; reducing usage is always allowed.',
          );
        if (!status.installed && !def.inEvaluation)
          refuse(
            'not-in-evaluation',
            `${def.displayName} is not available in Evaluation Mode.`,
            'Reserve it in License Central and install the authorization code.',
          );
      }
      const usage = { ...state.usage };
      if (args.count === 0) delete usage[def.tag];
      else usage[def.tag] = args.count;
      const starts = !subscriber && state.evaluation.startedAt === null && args.count > 0;
      const next = withEvents(
        { ...state, usage, evaluation: starts ? { ...state.evaluation, startedAt: t } : state.evaluation },
        event(t, 'usage', `Usage of ${def.displayName}: ${before} -> ${args.count}.${starts ? ' The evaluation period starts.' : ''}`),
      );
      return { state: next, message: `Usage of ${def.short} is now ${args.count}.` };
    },
  }),

  'trust-add': entry({
    needsKey: never,
    args: z.strictObject({
      chain: z
        .array(z.strictObject({ id: z.string(), publicKey: z.string(), endorsement: z.nullable(z.custom<Uint8Array>((v) => v instanceof Uint8Array)) }))
        .check(z.maxLength(20)),
      label: z.string().check(z.maxLength(200)),
      /** At the instance's creation only (init --trust, a packaged app's keys): no endorsement needed. */
      provision: z.optional(z.boolean()),
    }),
    bridge: false,
    cli: [
      {
        words: 'license trust add',
        params: [{ name: 'chain', label: '<key file>', kind: 'key-file' }],
        summary:
          'Trust a License Central key: the first provisions a device that trusts none; after that, only a key file from `slr authority key export` whose endorsements start at a trusted key.',
        example: 'slr license trust add /media/usb/license-central.pem',
      },
    ],
    run: (state, args, ctx) => {
      const t = state.clock.highWater;
      const provisioning = state.trustedKeys.length === 0 || args.provision === true;
      const added = keysToTrust(state.trustedKeys, args.chain, ctx.crypto, args.provision === true);
      const keys: TrustedKey[] = added.map((k) => ({ id: k.id, publicKey: k.publicKey, label: args.label, addedAt: t }));
      const ids = keys.map((k) => k.id).join(', ');
      const how = provisioning ? 'provisioned' : `endorsed by a key this device trusts`;
      const plural = keys.length === 1 ? '' : 's';
      return {
        state: withEvents(
          { ...state, trustedKeys: [...state.trustedKeys, ...keys] },
          event(t, 'trust-add', `License Central key${plural} ${ids} (${args.label}) trusted: ${how}.`),
        ),
        message: `License Central key${plural} ${ids} ${keys.length === 1 ? 'is' : 'are'} now trusted (${how}).`,
      };
    },
  }),

  'trust-remove': entry({
    needsKey: never,
    args: z.strictObject({ id: z.string().check(z.regex(/^[0-9a-f]{16}$/)) }),
    bridge: false,
    cli: [
      {
        words: 'license trust remove',
        params: [{ name: 'id', label: '<key id>', kind: 'text' }],
        summary: 'Stop trusting a License Central key (never the last one).',
        example: 'slr license trust remove 1a2b3c4d5e6f7a8b',
      },
    ],
    run: (state, args) => {
      const t = state.clock.highWater;
      if (!state.trustedKeys.some((k) => k.id === args.id)) refuse('not-trusted', `No trusted key has the id ${args.id}.`);
      if (state.trustedKeys.length === 1) {
        refuse(
          'last-key',
          `The key ${args.id} is the only License Central key this device trusts; without it, no code could ever be checked, and no new key accepted.`,
          'Add its successor first (an endorsed key file from `slr authority key export`), then remove this one.',
        );
      }
      if (state.installed?.signerKeyId === args.id) {
        refuse(
          'key-in-use',
          `The key ${args.id} signed the installed reservation; it is needed to make its return code.`,
          'Return the reservation first, or install a code signed by another trusted key.',
        );
      }
      return {
        state: withEvents(
          { ...state, trustedKeys: state.trustedKeys.filter((k) => k.id !== args.id) },
          event(t, 'trust-remove', `License Central key ${args.id} no longer trusted.`),
        ),
        message: `License Central key ${args.id} is no longer trusted.`,
      };
    },
  }),

  'checkpoint-forget': entry({
    needsKey: never,
    args: z.strictObject({}),
    bridge: true,
    cli: [
      {
        words: FORGET_COMMAND,
        params: [],
        summary:
          "Forget the checkpoints of License Central's log this device has seen (witness.ts), so that it accepts codes of a License Central restored from an older backup: only when its administrator says the older ledger is the one to keep.",
        example: `slr ${FORGET_COMMAND}`,
      },
    ],
    run: (state) => {
      const t = state.clock.highWater;
      const seen = state.witness ?? [];
      if (seen.length === 0) refuse('not-allowed', "This device has seen no checkpoint of License Central's log: there is nothing to forget.");
      const list = seen.map((w) => `${w.events} events (key ${w.keyId})`).join(', ');
      return {
        state: withEvents(
          { ...state, witness: [] },
          event(t, 'checkpoint-forget', `Checkpoints of License Central's log forgotten: ${list}. The next code's checkpoint is taken as it comes.`),
        ),
        message: `Forgot the checkpoints of License Central's log (${list}). The next authorization code is accepted with the checkpoint it carries; install it now.`,
      };
    },
  }),
};
