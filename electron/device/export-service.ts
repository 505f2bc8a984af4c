/**
 * Export control online on the product instance (the seeds' `license smart export request local <feature>`,
 * `… return local <feature>`, `license smart export cancel`): signed calls to License Central whose answers
 * (every export authorization key it holds for this instance, each checked against a License Central key the
 * device trusts) are taken as they are, by shared/instance/export-control.ts. A call that does not reach
 * License Central is kept as pending and retried with the other automatic calls, under their back-off.
 */
import { refuse, SlrError } from '../../shared/errors.ts';
import { fromBase64 } from '../../shared/bytes.ts';
import { formatInstant } from '../../shared/codes/dates.ts';
import { exportKeyText, findExportFeature, unknownFeatureText } from '../../shared/export-control.ts';
import {
  afterExportKeys,
  cancelExportPending,
  exportKeysOf,
  exportPendingOf,
  withExportPending,
  withoutPending,
} from '../../shared/instance/export-control.ts';
import { productOf } from '../../shared/instance/status.ts';
import type { InstanceState } from '../../shared/instance/state.ts';
import { exportKeyMessage, type ExportGrant } from '../../shared/registration/protocol.ts';
import { formatUdi, makeUdi } from '../../shared/udi.ts';
import { verifyMessage } from '../platform/crypto.ts';
import type { Secrets } from './instance-service.ts';
import { done, requireOnline, signedStep, UNREACHED, type Step } from './signed-calls.ts';

const KEYS_UNTRUSTED = 'License Central answered export authorization keys that are not signed by a key this device trusts: nothing was kept.';

/** The export authorization keys of an answer, each for this instance and signed by a License Central key it trusts. */
export function checkedExportKeys(state: InstanceState, value: unknown): ExportGrant[] {
  const o = state.online!;
  const udi = formatUdi(makeUdi(productOf(state), state.uuid));
  const trusted = new Map(state.trustedKeys.map((k) => [k.id, k.publicKey]));
  if (!Array.isArray(value) || value.length > 16) refuse('server-untrusted', KEYS_UNTRUSTED);
  return value.map((g: Partial<ExportGrant>) => {
    const key = trusted.get(String(g.keyId));
    const signature = typeof g.signature === 'string' ? fromBase64(g.signature) : null;
    const grant = { feature: String(g.feature), grant: String(g.grant), grantedAt: Number(g.grantedAt) };
    if (!key || !signature || !findExportFeature(productOf(state), grant.feature) || !verifyMessage(key, exportKeyMessage(o.instance, udi, grant), signature))
      refuse('server-untrusted', KEYS_UNTRUSTED);
    return { ...grant, keyId: String(g.keyId), signature: String(g.signature) };
  });
}

type Op = 'request' | 'return';

function featureFor(state: InstanceState, feature: string) {
  const found = findExportFeature(productOf(state), feature);
  if (!found) refuse('bad-license', unknownFeatureText(productOf(state), feature));
  return found;
}

/** One export call; unreached, it is kept pending (retried); refused, a pending one of the same is dropped. */
async function exportCall(state: InstanceState, secrets: Secrets, op: Op, feature: string, timeoutMs: number): Promise<Step> {
  const body = { feature, trustedKeyIds: state.trustedKeys.map((k) => k.id) };
  const name = op === 'request' ? 'device-export-request' : 'device-export-return';
  const step = await signedStep(state, secrets, { name, label: `export ${op}`, body, timeoutMs }, (value, seq, t) => {
    const keys = checkedExportKeys(state, (value as { exportKeys?: unknown }).exportKeys);
    const next = afterExportKeys(state, seq, keys, t, true);
    const key = keys.find((k) => k.feature === feature);
    const text =
      op === 'request'
        ? `Export authorization key for ${feature}: ${key ? exportKeyText(key) : '(none)'}, granted ${key ? formatInstant(key.grantedAt) : ''}. Export-restricted functionality is allowed.`
        : `Export authorization key for ${feature} returned: it is removed from this product instance, and the license is free again at License Central.`;
    return done(next, t, `export-${op}`, text);
  });
  if (!('error' in step)) return step;
  const e = step.error;
  if (e instanceof SlrError && UNREACHED.has(e.code) && step.state.online) {
    const pending = withExportPending(step.state, op, feature, step.state.clock.highWater);
    return {
      state: pending,
      error: new SlrError(
        e.code,
        `${e.message} The export ${op} is pending: it is retried automatically.`,
        'To stop the retry: `license smart export cancel`.',
      ),
    };
  }
  return { state: withoutPending(step.state, op, feature), error: e };
}

/** `license smart export request local <feature>`. */
export async function exportRequest(state: InstanceState, secrets: Secrets, feature: string): Promise<Step> {
  const t = state.clock.highWater;
  const o = requireOnline(state, t);
  const { name } = featureFor(state, feature);
  if (!o.exportControlled)
    refuse(
      'export-not-permitted',
      `This product instance was registered with a token that does not allow export-controlled functionality: ${name} cannot be requested.`,
      'Register it again (force) with a token that allows export-controlled functionality.',
    );
  const held = exportKeysOf(state).find((k) => k.feature === name);
  if (held) return done(state, t, 'export-request', `Export authorization key for ${name} is already installed: ${exportKeyText(held)}.`);
  return exportCall(state, secrets, 'request', name, 30_000);
}

/** `license smart export return local <feature>`. */
export async function exportReturn(state: InstanceState, secrets: Secrets, feature: string): Promise<Step> {
  const t = state.clock.highWater;
  requireOnline(state, t);
  const { name } = featureFor(state, feature);
  if (!exportKeysOf(state).some((k) => k.feature === name) && exportPendingOf(state)?.feature !== name)
    refuse('not-allowed', `No export authorization key for ${name} is installed: there is nothing to return.`, 'See `slr show license status`.');
  return exportCall(state, secrets, 'return', name, 30_000);
}

/** `license smart export cancel`: the automatic retry stopped. */
export async function exportCancel(state: InstanceState): Promise<Step> {
  const t = state.clock.highWater;
  const { state: next, cancelled } = cancelExportPending(state, t);
  return {
    state: next,
    value: {
      message: `The automatic retry of the export ${cancelled.op} for ${cancelled.feature} is cancelled. What License Central did already shows at its next answer.`,
      warnings: [],
    },
  };
}

/** The pending export operation, made again (an automatic call). */
export async function exportRetry(state: InstanceState, secrets: Secrets, timeoutMs: number): Promise<Step> {
  const p = exportPendingOf(state);
  if (!p) return { state, value: { message: '', warnings: [] } };
  return exportCall(state, secrets, p.op, p.feature, timeoutMs);
}
