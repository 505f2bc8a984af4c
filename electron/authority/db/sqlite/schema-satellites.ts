/**
 * Schema 12 on SQLite: satellites (shared/authority/satellite.ts). At a parent: each satellite, its pinned keys
 * and file numbers; its allocations, which block their lots like reservations (kept by triggers, and checked as
 * before); what it last reported holding; its events. On both sides: the digest of every numbered file applied.
 */
export const SATELLITES_SQLITE = `
  CREATE TABLE satellites (
    id INTEGER PRIMARY KEY,
    uid TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL UNIQUE,
    mode TEXT NOT NULL CHECK (mode IN ('connected', 'disconnected')),
    interval_minutes INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('invited', 'enrolled')),
    nonce_hash TEXT NOT NULL,
    keys TEXT,
    created_at INTEGER NOT NULL,
    enrolled_at INTEGER,
    last_sync_at INTEGER,
    up_seq INTEGER NOT NULL DEFAULT 0,
    down_seq INTEGER NOT NULL DEFAULT 0,
    down_applied INTEGER NOT NULL DEFAULT 0,
    events_id INTEGER NOT NULL DEFAULT 0,
    events_hash TEXT,
    problem TEXT
  ) STRICT;
  CREATE TABLE satellite_allocations (
    satellite_id INTEGER NOT NULL REFERENCES satellites(id),
    lot_id INTEGER NOT NULL REFERENCES lots(id),
    count INTEGER NOT NULL CHECK (count >= 0),
    target INTEGER NOT NULL CHECK (target >= 0 AND target <= count),
    PRIMARY KEY (satellite_id, lot_id)
  ) STRICT;
  CREATE INDEX satellite_allocations_lot ON satellite_allocations(lot_id);
  CREATE TRIGGER satellite_allocations_insert AFTER INSERT ON satellite_allocations BEGIN
    UPDATE lots SET blocked = blocked + NEW.count WHERE id = NEW.lot_id;
  END;
  CREATE TRIGGER satellite_allocations_delete AFTER DELETE ON satellite_allocations BEGIN
    UPDATE lots SET blocked = blocked - OLD.count WHERE id = OLD.lot_id;
  END;
  CREATE TRIGGER satellite_allocations_update AFTER UPDATE OF count, lot_id ON satellite_allocations BEGIN
    UPDATE lots SET blocked = blocked + (CASE WHEN id = NEW.lot_id THEN NEW.count ELSE 0 END) - (CASE WHEN id = OLD.lot_id THEN OLD.count ELSE 0 END)
    WHERE id IN (OLD.lot_id, NEW.lot_id);
  END;
  DROP TRIGGER lots_blocked_is_derived;
  CREATE TRIGGER lots_blocked_is_derived AFTER UPDATE OF blocked ON lots
  WHEN NEW.blocked <> coalesce((SELECT sum(count) FROM holdings WHERE lot_id = NEW.id), 0) + coalesce((SELECT sum(count) FROM transitions WHERE lot_id = NEW.id), 0)
    + coalesce((SELECT sum(count) FROM export_grants WHERE lot_id = NEW.id), 0) + coalesce((SELECT sum(count) FROM satellite_allocations WHERE lot_id = NEW.id), 0)
  BEGIN
    SELECT RAISE(ABORT, 'conservation: lots.blocked is what holdings, transitions, export grants and satellite allocations block, and cannot be set otherwise');
  END;
  CREATE TABLE satellite_holdings (
    satellite_id INTEGER NOT NULL REFERENCES satellites(id),
    account TEXT NOT NULL, tag TEXT NOT NULL, type TEXT NOT NULL, start INTEGER, "end" INTEGER,
    count INTEGER NOT NULL, blocked INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX satellite_holdings_satellite ON satellite_holdings(satellite_id);
  CREATE TABLE satellite_events (
    satellite_id INTEGER NOT NULL REFERENCES satellites(id),
    uid TEXT NOT NULL,
    event_id INTEGER NOT NULL,
    at INTEGER NOT NULL, actor TEXT NOT NULL, account TEXT, instance TEXT, type TEXT NOT NULL, message TEXT NOT NULL, code TEXT, hash TEXT NOT NULL,
    PRIMARY KEY (satellite_id, uid, event_id)
  ) STRICT;
  CREATE TABLE sync_files (
    peer TEXT NOT NULL, kind TEXT NOT NULL, seq INTEGER NOT NULL, digest TEXT NOT NULL, applied_at INTEGER NOT NULL,
    PRIMARY KEY (peer, kind, seq)
  ) STRICT;
  `;
