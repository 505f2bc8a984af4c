/**
 * Migration 18 of schema.ts: conservation checked at the cost of one row, whatever a lot holds. Until 17 every
 * change of a lot's `blocked` was checked against a sum over everything the lot blocks, so a reserve on a lot
 * holding 100,000 reservations cost twenty times one on a new lot, and loading N into one lot cost N².
 *
 * Now each trigger that keeps `blocked` writes down the move it makes (lot_moves: empty at rest, as the trigger
 * deletes its move once made), and a change of `blocked` must be exactly the move written down for its lot: one
 * made otherwise (an UPDATE of lots by hand, a bug) finds none and is refused, as before. By induction from a new
 * lot's 0 (lots_insert_unblocked), `blocked` stays what holdings, transitions, export grants and satellite
 * allocations block; the audit (audit.ts) still adds them all up. (export_grants gains the update trigger the
 * other three had: a grant moved to another lot moves what it blocks.)
 */
const KEPT = ['holdings', 'transitions', 'export_grants', 'satellite_allocations'] as const;

const MESSAGE = 'conservation: lots.blocked is what holdings, transitions, export grants and satellite allocations block, and cannot be set otherwise';

/** The triggers of table `t` that keep `blocked`, each writing down its move first and deleting it after. */
const keeping = (t: string) => `
  DROP TRIGGER IF EXISTS ${t}_insert;
  CREATE TRIGGER ${t}_insert AFTER INSERT ON ${t} BEGIN
    INSERT INTO lot_moves (lot_id, delta) VALUES (NEW.lot_id, NEW.count) ON CONFLICT (lot_id) DO UPDATE SET delta = excluded.delta;
    UPDATE lots SET blocked = blocked + NEW.count WHERE id = NEW.lot_id;
    DELETE FROM lot_moves WHERE lot_id = NEW.lot_id;
  END;
  DROP TRIGGER IF EXISTS ${t}_delete;
  CREATE TRIGGER ${t}_delete AFTER DELETE ON ${t} BEGIN
    INSERT INTO lot_moves (lot_id, delta) VALUES (OLD.lot_id, -OLD.count) ON CONFLICT (lot_id) DO UPDATE SET delta = excluded.delta;
    UPDATE lots SET blocked = blocked - OLD.count WHERE id = OLD.lot_id;
    DELETE FROM lot_moves WHERE lot_id = OLD.lot_id;
  END;
  DROP TRIGGER IF EXISTS ${t}_update;
  CREATE TRIGGER ${t}_update AFTER UPDATE OF count, lot_id ON ${t} BEGIN
    INSERT INTO lot_moves (lot_id, delta) VALUES (OLD.lot_id, (CASE WHEN NEW.lot_id = OLD.lot_id THEN NEW.count ELSE 0 END) - OLD.count)
      ON CONFLICT (lot_id) DO UPDATE SET delta = excluded.delta;
    INSERT INTO lot_moves (lot_id, delta) SELECT NEW.lot_id, NEW.count WHERE NEW.lot_id <> OLD.lot_id
      ON CONFLICT (lot_id) DO UPDATE SET delta = excluded.delta;
    UPDATE lots SET blocked = blocked + (CASE WHEN id = NEW.lot_id THEN NEW.count ELSE 0 END) - (CASE WHEN id = OLD.lot_id THEN OLD.count ELSE 0 END)
    WHERE id IN (OLD.lot_id, NEW.lot_id);
    DELETE FROM lot_moves WHERE lot_id IN (OLD.lot_id, NEW.lot_id);
  END;`;

export const BLOCKED_SQLITE = `
  CREATE TABLE lot_moves (
    lot_id INTEGER PRIMARY KEY,
    delta INTEGER NOT NULL
  ) STRICT;
  ${KEPT.map(keeping).join('')}
  DROP TRIGGER lots_blocked_is_derived;
  CREATE TRIGGER lots_blocked_is_derived AFTER UPDATE OF blocked ON lots
  WHEN NEW.blocked - OLD.blocked IS NOT (SELECT delta FROM lot_moves WHERE lot_id = NEW.id)
  BEGIN
    SELECT RAISE(ABORT, '${MESSAGE}');
  END;
`;
