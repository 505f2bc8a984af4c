/**
 * What a lot blocks, recomputed from scratch: the one sum the audit checks `lots.blocked` against and a bulk load
 * sets it to (the schema's migrations keep their own text, as each was written). `lot` names the lots row.
 */
export const blockedOfLot = (lot: string) =>
  ['holdings', 'transitions', 'export_grants', 'satellite_allocations']
    .map((t) => `coalesce((SELECT sum(count) FROM ${t} WHERE lot_id = ${lot}.id), 0)`)
    .join(' + ');
