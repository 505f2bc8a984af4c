/**
 * Migration 18 of pg-schema.ts: conservation checked at the cost of one row, whatever a lot holds. Until 17 every
 * change of a lot's `blocked` queued a check, at the commit, of a sum over everything the lot blocks, so a
 * reserve on a lot holding 100,000 reservations cost several times one on a new lot, and loading N into one lot
 * cost N².
 *
 * The triggers that keep `blocked` (slr_keep_blocked, on holdings, transitions, export grants and satellite
 * allocations) add exactly what changed; only a change made otherwise needs the sum. PostgreSQL tells the two
 * apart by the depth of triggers the change is made at, evaluated as the row changes (a constraint trigger's
 * WHEN is not deferred): a statement of a client (an UPDATE of lots by hand, a bug) is at depth 0 and is checked
 * at the commit as before; the keeping triggers' own updates are at depth 1 and are not queued. SQLite has no
 * such depth: it writes the moves down (../sqlite/schema-blocked.ts). The audit (audit.ts) still adds them up.
 */
export const BLOCKED_PG = `
  DROP TRIGGER lots_blocked_is_derived ON lots;
  CREATE CONSTRAINT TRIGGER lots_blocked_is_derived AFTER UPDATE OF blocked ON lots DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (pg_trigger_depth() < 1) EXECUTE FUNCTION slr_blocked_is_derived();
`;
