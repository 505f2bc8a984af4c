/**
 * How an authority reserves licenses: pure functions over license lots (a purchase of N licenses of one
 * tag, PERPETUAL or TERM) and one product instance's holdings. Only what is valid now and not blocked can be
 * reserved; a shortfall is refused with the higher tiers that could stand in, never substituted silently;
 * a decrease moves the freed licenses into transition, where they stay blocked until the device confirms.
 */
import { findEntitlement, substitutesFor, type ProductProfile } from '../catalog.ts';
import { DAY_MS } from '../codes/dates.ts';
import { refuse } from '../errors.ts';
import { LIMITS } from '../limits.ts';

export interface Lot {
  readonly id: number;
  readonly tag: string;
  readonly type: 'PERPETUAL' | 'TERM';
  /** TERM only: first and last day (midnight UTC, ms). */
  readonly start: number | null;
  readonly end: number | null;
  readonly count: number;
  /** Reserved by, or in transition for, any product instance. */
  readonly blocked: number;
}

export interface Holding {
  readonly lotId: number;
  readonly count: number;
}

export function isLotValid(lot: Pick<Lot, 'type' | 'start' | 'end'>, now: number): boolean {
  return lot.type === 'PERPETUAL' || (now >= lot.start! && now < lot.end! + DAY_MS);
}

export const available = (lot: Lot) => lot.count - lot.blocked;

/** Longest-lasting first: PERPETUAL, then TERM by latest end. Releases go the other way. */
function byDurability(a: Lot, b: Lot): number {
  const end = (l: Lot) => (l.type === 'PERPETUAL' ? Infinity : l.end!);
  return end(b) - end(a) || a.id - b.id;
}

export interface Plan {
  /** The instance's holdings after the change (lots with a count of 0 left out). */
  readonly holdings: Holding[];
  /** What a decrease frees: still blocked, in transition, until the device confirms. */
  readonly released: Holding[];
}

/**
 * Plans a change of one instance's reservation to `target` (count per tag; tags not named keep their
 * count). `lots` are the account's lots of this product; `current` what the instance holds now.
 */
export function planReservation(
  product: ProductProfile,
  lots: readonly Lot[],
  current: readonly Holding[],
  target: Readonly<Record<string, number>>,
  now: number,
): Plan {
  const lotById = new Map(lots.map((l) => [l.id, l]));
  const held = new Map<number, number>(current.map((h) => [h.lotId, h.count]));
  const released = new Map<number, number>();
  const heldOf = (tag: string) => [...held].filter(([id]) => lotById.get(id)?.tag === tag);
  const heldCount = (tag: string) => heldOf(tag).reduce((n, [, c]) => n + c, 0);

  for (const [tag, want] of Object.entries(target)) {
    const def = findEntitlement(product, tag);
    if (!def)
      refuse('unknown-license', `${tag} is not a license of ${product.name}.`, `Known licenses: ${product.entitlements.map((e) => e.short).join(', ')}.`);
    if (!def.reservable) refuse('unknown-license', `${def.displayName} cannot be reserved with Specific License Reservation.`);
    if (!Number.isSafeInteger(want) || want < 0 || want > LIMITS.maxCount)
      refuse('bad-count', `The count for ${def.short} must be a whole number from 0 to ${LIMITS.maxCount}.`);
    let delta = want - heldCount(def.tag);
    if (delta > 0) {
      const candidates = lots
        .filter((l) => l.tag === def.tag && isLotValid(l, now) && available(l) > 0)
        .sort((a, b) => Number(held.has(b.id)) - Number(held.has(a.id)) || byDurability(a, b));
      const free = candidates.reduce((n, l) => n + available(l), 0);
      if (free < delta) shortfall(product, def.tag, delta, free, lots, now);
      for (const lot of candidates) {
        const take = Math.min(delta, available(lot));
        if (take <= 0) continue;
        held.set(lot.id, (held.get(lot.id) ?? 0) + take);
        delta -= take;
        if (delta === 0) break;
      }
    } else if (delta < 0) {
      const mine = heldOf(def.tag)
        .map(([id]) => lotById.get(id)!)
        .sort((a, b) => byDurability(b, a));
      for (const lot of mine) {
        const give = Math.min(-delta, held.get(lot.id)!);
        held.set(lot.id, held.get(lot.id)! - give);
        released.set(lot.id, (released.get(lot.id) ?? 0) + give);
        delta += give;
        if (delta === 0) break;
      }
    }
  }
  const list = (m: Map<number, number>) =>
    [...m]
      .filter(([, c]) => c > 0)
      .map(([lotId, count]) => ({ lotId, count }))
      .sort((a, b) => a.lotId - b.lotId);
  return { holdings: list(held), released: list(released) };
}

function shortfall(product: ProductProfile, tag: string, wanted: number, free: number, lots: readonly Lot[], now: number): never {
  const def = findEntitlement(product, tag)!;
  const offers = substitutesFor(product, def)
    .map((sub) => ({ sub, free: lots.filter((l) => l.tag === sub.tag && isLotValid(l, now)).reduce((n, l) => n + available(l), 0) }))
    .filter((o) => o.free > 0);
  const missing = wanted - free;
  const hint = offers.length
    ? `Higher tiers can stand in (the device must then use them as such): ${offers.map((o) => `${o.sub.short} (${o.free} available)`).join(', ')}. ` +
      `To use one, reserve it explicitly, e.g. --license ${offers[0]!.sub.short}=${Math.min(missing, offers[0]!.free)}.`
    : 'Add licenses to this virtual account, or transfer some from another one.';
  return refuse('shortfall', `Not enough ${def.short} in this virtual account: ${wanted} more wanted, ${free} available (valid now and not blocked).`, hint);
}
