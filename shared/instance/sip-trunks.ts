/**
 * Unified CM's SIP trunks, as far as licensing decides them (the seeds: "You cannot deploy a secure SIP trunk
 * while running with a 90-day evaluation period. To deploy a secure SIP trunk, your system must have registered
 * to a Smart Software Manager account with the Allow export-controlled functionality product registration token
 * selected."). A trunk is a device: none is added while enforcement refuses new devices. A secure one needs
 * export-controlled functionality (security.ts's exportAllowance: registered with a token that allows it and the
 * export authorization key requested, or the export key reserved under SLR), so never in evaluation. One already
 * deployed stays when that allowance ends; SmartLicenseExportControlNotAllowed is raised until it is removed or
 * allowed again (security.ts). Session Management Edition is Unified CM; Unity Connection has none here.
 */
import { refuse } from '../errors.ts';
import { nameKey, nameProblem, stripControls } from '../text.ts';
import { productById } from '../catalog.ts';
import { event, withEvents, type InstanceState, type SipTrunk } from './state.ts';
import { deriveStatus } from './status.ts';
import { exportAllowance, withAlarms } from './security.ts';

export type { SipTrunk };

/** The products that have SIP trunks here. */
export const SIP_TRUNK_PRODUCTS: readonly string[] = ['UCM', 'SME'];
export const MAX_SIP_TRUNKS = 1000;

export const sipTrunksOf = (state: InstanceState): readonly SipTrunk[] => state.sipTrunks ?? [];
export const secureTrunks = (state: InstanceState): readonly SipTrunk[] => sipTrunksOf(state).filter((t) => t.secure);

function requireTrunks(state: InstanceState): void {
  if (!SIP_TRUNK_PRODUCTS.includes(state.product))
    refuse('not-allowed', `This product instance is ${productById(state.product)!.name}: SIP trunks are Unified CM's (and Session Management Edition's).`);
}

/** `slr sip-trunk add NAME [--secure]`. */
export function addSipTrunk(state: InstanceState, input: { name: string; secure: boolean }, now: number): { state: InstanceState; message: string } {
  requireTrunks(state);
  const name = input.name.trim();
  const problem = nameProblem(name, 100);
  if (problem) refuse('bad-name', `"${stripControls(name).slice(0, 100)}" is not a trunk name: ${problem}.`);
  const trunks = sipTrunksOf(state);
  if (trunks.some((t) => nameKey(t.name) === nameKey(name))) refuse('not-allowed', `A SIP trunk named "${name}" exists already.`, 'Give another name.');
  if (trunks.length >= MAX_SIP_TRUNKS) refuse('not-allowed', `This product instance has ${MAX_SIP_TRUNKS} SIP trunks, as many as it keeps.`);
  const enforcement = deriveStatus(state, now).enforcement;
  if (enforcement.active) refuse('enforced', `The SIP trunk cannot be added: ${enforcement.reason}`);
  if (input.secure) {
    const allowance = exportAllowance(state, now);
    if (!allowance.allowed)
      refuse(
        'not-allowed',
        `A secure SIP trunk cannot be deployed: ${allowance.reason}. It needs export-controlled functionality (never in the 90-day evaluation period).`,
        'Register with a token that allows export-controlled functionality and request the export authorization key (license smart export request local <feature>), or install a reservation that carries the export key. A non-secure trunk needs neither.',
      );
  }
  const t = state.clock.highWater;
  const message = `${input.secure ? 'Secure SIP trunk' : 'SIP trunk'} "${name}" added.`;
  const next = { ...state, sipTrunks: [...trunks, { name, secure: input.secure, addedAt: t }] };
  return { state: withAlarms(withEvents(next, event(t, 'sip-trunk-add', message)), t), message };
}

/** `slr sip-trunk remove NAME`: always allowed (it is how a secure trunk no longer allowed is put right). */
export function removeSipTrunk(state: InstanceState, name: string): { state: InstanceState; message: string } {
  requireTrunks(state);
  const trunks = sipTrunksOf(state);
  const gone = trunks.find((t) => nameKey(t.name) === nameKey(name.trim()));
  if (!gone)
    refuse(
      'no-sip-trunk',
      `No SIP trunk is named "${stripControls(name).slice(0, 100)}".`,
      trunks.length ? `SIP trunks: ${trunks.map((x) => x.name).join(', ')}.` : 'This product instance has none.',
    );
  const t = state.clock.highWater;
  const message = `${gone.secure ? 'Secure SIP trunk' : 'SIP trunk'} "${gone.name}" removed.`;
  const next = { ...state, sipTrunks: trunks.filter((x) => x !== gone) };
  return { state: withAlarms(withEvents(next, event(t, 'sip-trunk-remove', message)), t), message };
}
