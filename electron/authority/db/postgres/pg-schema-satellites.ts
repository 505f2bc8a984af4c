/**
 * Schema 12 on PostgreSQL: satellites (shared/authority/satellite.ts). At a parent: each satellite, its pinned keys
 * and file numbers; its allocations, which block their lots like reservations (kept by triggers, and checked as
 * before); what it last reported holding; its events. On both sides: the digest of every numbered file applied.
 */
export const SATELLITES_PG = `
  CREATE TABLE satellites (
    id BIGSERIAL PRIMARY KEY,
    uid TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL UNIQUE,
    mode TEXT NOT NULL CHECK (mode IN ('connected', 'disconnected')),
    interval_minutes BIGINT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('invited', 'enrolled')),
    nonce_hash TEXT NOT NULL,
    keys TEXT,
    created_at BIGINT NOT NULL,
    enrolled_at BIGINT,
    last_sync_at BIGINT,
    up_seq BIGINT NOT NULL DEFAULT 0,
    down_seq BIGINT NOT NULL DEFAULT 0,
    down_applied BIGINT NOT NULL DEFAULT 0,
    events_id BIGINT NOT NULL DEFAULT 0,
    events_hash TEXT,
    problem TEXT
  );
  CREATE TABLE satellite_allocations (
    satellite_id BIGINT NOT NULL REFERENCES satellites(id),
    lot_id BIGINT NOT NULL REFERENCES lots(id),
    count BIGINT NOT NULL CHECK (count >= 0),
    target BIGINT NOT NULL CHECK (target >= 0 AND target <= count),
    PRIMARY KEY (satellite_id, lot_id)
  );
  CREATE INDEX satellite_allocations_lot ON satellite_allocations(lot_id);
  CREATE TRIGGER satellite_allocations_blocked AFTER INSERT OR DELETE OR UPDATE OF count, lot_id ON satellite_allocations FOR EACH ROW EXECUTE FUNCTION slr_keep_blocked();
  CREATE OR REPLACE FUNCTION slr_blocked_is_derived() RETURNS trigger LANGUAGE plpgsql AS $$
  DECLARE
    now_blocked BIGINT;
    derived BIGINT;
  BEGIN
    SELECT blocked INTO now_blocked FROM lots WHERE id = NEW.id;
    IF now_blocked IS NULL THEN RETURN NULL; END IF;
    derived := coalesce((SELECT sum(count) FROM holdings WHERE lot_id = NEW.id), 0) + coalesce((SELECT sum(count) FROM transitions WHERE lot_id = NEW.id), 0)
      + coalesce((SELECT sum(count) FROM export_grants WHERE lot_id = NEW.id), 0) + coalesce((SELECT sum(count) FROM satellite_allocations WHERE lot_id = NEW.id), 0);
    IF now_blocked <> derived THEN
      RAISE EXCEPTION 'conservation: lots.blocked is what holdings, transitions, export grants and satellite allocations block, and cannot be set otherwise';
    END IF;
    RETURN NULL;
  END $$;
  CREATE TABLE satellite_holdings (
    satellite_id BIGINT NOT NULL REFERENCES satellites(id),
    account TEXT NOT NULL, tag TEXT NOT NULL, type TEXT NOT NULL, start BIGINT, "end" BIGINT,
    count BIGINT NOT NULL, blocked BIGINT NOT NULL
  );
  CREATE INDEX satellite_holdings_satellite ON satellite_holdings(satellite_id);
  CREATE TABLE satellite_events (
    satellite_id BIGINT NOT NULL REFERENCES satellites(id),
    uid TEXT NOT NULL,
    event_id BIGINT NOT NULL,
    at BIGINT NOT NULL, actor TEXT NOT NULL, account TEXT, instance TEXT, type TEXT NOT NULL, message TEXT NOT NULL, code TEXT, hash TEXT NOT NULL,
    PRIMARY KEY (satellite_id, uid, event_id)
  );
  CREATE TABLE sync_files (
    peer TEXT NOT NULL, kind TEXT NOT NULL, seq BIGINT NOT NULL, digest TEXT NOT NULL, applied_at BIGINT NOT NULL,
    PRIMARY KEY (peer, kind, seq)
  );
  `;
