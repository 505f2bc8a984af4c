/**
 * The rule for a product instance made anew because its device key can no longer be opened (the desktop's
 * secret store that sealed it was reset, or the state was copied to another computer or user): a new
 * identity and key, trusting the same License Central keys, and nothing the old one had counts again. Its
 * evaluation is over and its overage at the limit (starting over buys no time), its latest time is at least
 * the old one's, and its log says which UDI it replaces and where that state was set aside, so License
 * Central's administrator can free what it still holds for the old UDI.
 */
import { formatUdi, makeUdi } from '../udi.ts';
import { withNoTimeBack } from './seal.ts';
import { event, withEvents, type InstanceState } from './state.ts';
import { productOf } from './status.ts';

export const udiText = (state: InstanceState): string => formatUdi(makeUdi(productOf(state), state.uuid));

export function startedOver(fresh: InstanceState, previous: InstanceState, setAside: string, why: string, now: number): InstanceState {
  const latest = Math.max(previous.clock.highWater, now);
  const carried = withNoTimeBack({ ...fresh, clock: { ...fresh.clock, highWater: latest } }, latest);
  return withEvents(
    carried,
    event(
      now,
      'state-started-over',
      `Started over as a new product instance: the device key of ${udiText(previous)} could not be opened (${why}). ` +
        `Its state was set aside as ${setAside}. This instance has a new identity, no evaluation period and the same trusted License Central keys; ` +
        `License Central still holds what it reserved for ${udiText(previous)}: remove that instance there.`,
    ),
  );
}
