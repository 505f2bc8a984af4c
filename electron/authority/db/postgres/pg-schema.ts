/**
 * The ledger's schema on PostgreSQL: the same tables, columns and versions as SQLite's (../sqlite/schema.ts), migration
 * for migration, so a ledger moves between the two (`slr authority migrate`) and every query runs on both.
 * PG_MIGRATIONS[i] takes version i to i+1 (kept in the table slr_schema).
 *
 * Conservation is enforced as on SQLite: `lots.blocked` is kept by triggers on holdings and transitions and
 * may not be set otherwise, and a CHECK keeps it within 0..count. One difference: PostgreSQL fires row
 * triggers at the end of each statement (SQLite after each row), so the check that `blocked` equals what
 * holdings and transitions block is a constraint trigger deferred to the commit; the CHECK is immediate.
 * Account and user names compare without case, as SQLite's COLLATE NOCASE does: an ICU collation `nocase`.
 */
import { COUNTS_PG } from './pg-schema-counts.ts';
import { BLOCKED_PG } from './pg-schema-blocked.ts';
import { SATELLITES_PG } from './pg-schema-satellites.ts';
import { REPORTS_PG } from './pg-schema-reports.ts';
import { WEBHOOKS_PG } from './pg-schema-webhooks.ts';
export const PG_MIGRATIONS: readonly string[] = [
  `
  CREATE COLLATION IF NOT EXISTS nocase (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE signing_keys (
    rowid BIGSERIAL UNIQUE,
    id TEXT PRIMARY KEY, public_key TEXT NOT NULL, private_key TEXT NOT NULL,
    created_at BIGINT NOT NULL, retired_at BIGINT
  );
  CREATE TABLE accounts (id BIGSERIAL PRIMARY KEY, name TEXT COLLATE nocase NOT NULL UNIQUE, created_at BIGINT NOT NULL);
  CREATE TABLE lots (
    id BIGSERIAL PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    tag TEXT NOT NULL,
    type TEXT NOT NULL CHECK (type IN ('PERPETUAL', 'TERM')),
    start BIGINT, "end" BIGINT,
    count BIGINT NOT NULL,
    blocked BIGINT NOT NULL DEFAULT 0,
    CHECK (blocked >= 0 AND blocked <= count),
    CHECK ((type = 'PERPETUAL' AND start IS NULL AND "end" IS NULL) OR (type = 'TERM' AND start IS NOT NULL AND "end" >= start))
  );
  CREATE UNIQUE INDEX lots_identity ON lots(account_id, tag, type, coalesce(start, -1), coalesce("end", -1));
  CREATE TABLE instances (
    id BIGSERIAL PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    product TEXT NOT NULL,
    uuid TEXT NOT NULL,
    sn TEXT NOT NULL,
    device_key BYTEA NOT NULL,
    piid TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL CHECK (state IN ('active', 'removed', 'failed')),
    created_at BIGINT NOT NULL,
    last_contact BIGINT NOT NULL,
    last_timestamp BIGINT NOT NULL,
    wrong_codes INTEGER NOT NULL DEFAULT 0,
    locked INTEGER NOT NULL DEFAULT 0
  );
  CREATE UNIQUE INDEX instances_active_uuid ON instances(uuid) WHERE state = 'active';
  CREATE INDEX instances_sn ON instances(sn) WHERE state = 'active';
  CREATE INDEX instances_account ON instances(account_id, state);
  CREATE TABLE holdings (
    instance_id BIGINT NOT NULL REFERENCES instances(id),
    lot_id BIGINT NOT NULL REFERENCES lots(id),
    count BIGINT NOT NULL CHECK (count > 0),
    PRIMARY KEY (instance_id, lot_id)
  );
  CREATE INDEX holdings_lot ON holdings(lot_id);
  CREATE TABLE transitions (
    id BIGSERIAL PRIMARY KEY,
    instance_id BIGINT NOT NULL REFERENCES instances(id),
    lot_id BIGINT NOT NULL REFERENCES lots(id),
    count BIGINT NOT NULL CHECK (count > 0),
    code_timestamp BIGINT NOT NULL
  );
  CREATE INDEX transitions_instance ON transitions(instance_id);
  CREATE INDEX transitions_lot ON transitions(lot_id);
  CREATE TABLE codes (
    id BIGSERIAL PRIMARY KEY,
    instance_id BIGINT NOT NULL REFERENCES instances(id),
    timestamp BIGINT NOT NULL,
    key_id TEXT NOT NULL REFERENCES signing_keys(id),
    code TEXT NOT NULL,
    issued_at BIGINT NOT NULL,
    confirmed_at BIGINT
  );
  CREATE INDEX codes_instance ON codes(instance_id, timestamp);
  CREATE TABLE events (
    id BIGSERIAL PRIMARY KEY,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    account TEXT,
    instance TEXT,
    type TEXT NOT NULL,
    message TEXT NOT NULL,
    code TEXT
  );
  CREATE INDEX events_account ON events(account, id);
  `,
  `
  CREATE TABLE key_endorsements (
    key_id TEXT PRIMARY KEY REFERENCES signing_keys(id),
    endorser_id TEXT NOT NULL REFERENCES signing_keys(id),
    signature BYTEA NOT NULL
  );
  INSERT INTO meta (key, value) SELECT 'high_water', CAST(max(at) AS TEXT) FROM events HAVING max(at) IS NOT NULL;
  `,
  `
  CREATE FUNCTION slr_keep_blocked() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
      UPDATE lots SET blocked = blocked - OLD.count WHERE id = OLD.lot_id;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
      UPDATE lots SET blocked = blocked + NEW.count WHERE id = NEW.lot_id;
    END IF;
    RETURN NULL;
  END $$;
  CREATE TRIGGER holdings_blocked AFTER INSERT OR DELETE OR UPDATE OF count, lot_id ON holdings FOR EACH ROW EXECUTE FUNCTION slr_keep_blocked();
  CREATE TRIGGER transitions_blocked AFTER INSERT OR DELETE OR UPDATE OF count, lot_id ON transitions FOR EACH ROW EXECUTE FUNCTION slr_keep_blocked();
  CREATE FUNCTION slr_blocked_is_derived() RETURNS trigger LANGUAGE plpgsql AS $$
  DECLARE
    now_blocked BIGINT;
    derived BIGINT;
  BEGIN
    SELECT blocked INTO now_blocked FROM lots WHERE id = NEW.id;
    IF now_blocked IS NULL THEN RETURN NULL; END IF;
    derived := coalesce((SELECT sum(count) FROM holdings WHERE lot_id = NEW.id), 0) + coalesce((SELECT sum(count) FROM transitions WHERE lot_id = NEW.id), 0);
    IF now_blocked <> derived THEN
      RAISE EXCEPTION 'conservation: lots.blocked is what holdings and transitions block, and cannot be set otherwise';
    END IF;
    RETURN NULL;
  END $$;
  CREATE CONSTRAINT TRIGGER lots_blocked_is_derived AFTER UPDATE OF blocked ON lots DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION slr_blocked_is_derived();
  CREATE FUNCTION slr_lot_unblocked() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF NEW.blocked <> 0 THEN RAISE EXCEPTION 'conservation: a new lot blocks nothing'; END IF;
    RETURN NEW;
  END $$;
  CREATE TRIGGER lots_insert_unblocked BEFORE INSERT ON lots FOR EACH ROW EXECUTE FUNCTION slr_lot_unblocked();
  `,
  `
  ALTER TABLE events ADD COLUMN hash TEXT;
  `,
  `
  CREATE TABLE users (
    id BIGSERIAL PRIMARY KEY,
    name TEXT COLLATE nocase NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('smart-account-admin', 'va-admin', 'va-user')),
    account_id BIGINT REFERENCES accounts(id),
    password_hash TEXT NOT NULL,
    must_change INTEGER NOT NULL DEFAULT 0,
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    CHECK ((role = 'smart-account-admin') = (account_id IS NULL))
  );
  CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL CHECK (kind IN ('session', 'api-token')),
    created_at BIGINT NOT NULL,
    expires_at BIGINT
  );
  CREATE INDEX sessions_user ON sessions(user_id);
  CREATE TABLE idempotency (
    user_id BIGINT NOT NULL REFERENCES users(id),
    key TEXT NOT NULL,
    operation TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status INTEGER NOT NULL,
    reply TEXT NOT NULL,
    at BIGINT NOT NULL,
    PRIMARY KEY (user_id, key)
  );
  CREATE INDEX idempotency_at ON idempotency(at);
  CREATE TABLE login_failures (name TEXT NOT NULL, at BIGINT NOT NULL);
  CREATE INDEX login_failures_name ON login_failures(name, at);
  `,
  `
  CREATE TABLE registration_tokens (
    id TEXT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    description TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    max_uses INTEGER,
    uses INTEGER NOT NULL DEFAULT 0,
    export_controlled INTEGER NOT NULL,
    revoked_at BIGINT,
    CHECK (max_uses IS NULL OR max_uses >= 1),
    CHECK (uses >= 0 AND (max_uses IS NULL OR uses <= max_uses))
  );
  CREATE INDEX registration_tokens_account ON registration_tokens(account_id);
  `,
  `
  CREATE TABLE registered_instances (
    id BIGSERIAL PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    product TEXT NOT NULL,
    uuid TEXT NOT NULL,
    sn TEXT NOT NULL,
    device_key BYTEA NOT NULL,
    token_id TEXT NOT NULL REFERENCES registration_tokens(id),
    hostname TEXT,
    export_controlled INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('registered', 'deregistered')),
    registered_at BIGINT NOT NULL,
    registration_expires BIGINT NOT NULL,
    authorization_expires BIGINT NOT NULL,
    last_contact BIGINT NOT NULL,
    last_usage_at BIGINT,
    seq BIGINT NOT NULL DEFAULT 0
  );
  CREATE UNIQUE INDEX registered_active_uuid ON registered_instances(uuid) WHERE state = 'registered';
  CREATE INDEX registered_account ON registered_instances(account_id, state);
  CREATE TABLE registered_usage (
    instance_id BIGINT NOT NULL REFERENCES registered_instances(id),
    tag TEXT NOT NULL,
    count BIGINT NOT NULL CHECK (count >= 0),
    PRIMARY KEY (instance_id, tag)
  );
  `,
  `
  CREATE TABLE register_nonces (uuid TEXT NOT NULL, nonce TEXT NOT NULL, at BIGINT NOT NULL, PRIMARY KEY (uuid, nonce));
  DELETE FROM idempotency;
  ALTER TABLE accounts ADD COLUMN name_key TEXT;
  `,
  `
  ALTER TABLE instances ADD COLUMN device_ran BIGINT NOT NULL DEFAULT 0;
  ALTER TABLE instances ADD COLUMN device_finding TEXT;
  ALTER TABLE instances ADD COLUMN device_warning TEXT;
  ALTER TABLE instances ADD COLUMN device_warning_at BIGINT;
  `,
  `
  CREATE TABLE export_grants (
    id BIGSERIAL PRIMARY KEY,
    instance_id BIGINT NOT NULL REFERENCES registered_instances(id),
    lot_id BIGINT NOT NULL REFERENCES lots(id),
    feature TEXT NOT NULL,
    count BIGINT NOT NULL DEFAULT 1 CHECK (count = 1),
    granted_at BIGINT NOT NULL
  );
  CREATE UNIQUE INDEX export_grants_feature ON export_grants(instance_id, feature);
  CREATE INDEX export_grants_lot ON export_grants(lot_id);
  CREATE TRIGGER export_grants_blocked AFTER INSERT OR DELETE OR UPDATE OF count, lot_id ON export_grants FOR EACH ROW EXECUTE FUNCTION slr_keep_blocked();
  CREATE OR REPLACE FUNCTION slr_blocked_is_derived() RETURNS trigger LANGUAGE plpgsql AS $$
  DECLARE
    now_blocked BIGINT;
    derived BIGINT;
  BEGIN
    SELECT blocked INTO now_blocked FROM lots WHERE id = NEW.id;
    IF now_blocked IS NULL THEN RETURN NULL; END IF;
    derived := coalesce((SELECT sum(count) FROM holdings WHERE lot_id = NEW.id), 0) + coalesce((SELECT sum(count) FROM transitions WHERE lot_id = NEW.id), 0)
      + coalesce((SELECT sum(count) FROM export_grants WHERE lot_id = NEW.id), 0);
    IF now_blocked <> derived THEN
      RAISE EXCEPTION 'conservation: lots.blocked is what holdings, transitions and export grants block, and cannot be set otherwise';
    END IF;
    RETURN NULL;
  END $$;
  `,
  `
  ALTER TABLE registered_instances ADD COLUMN nodes TEXT;
  `,
  // 12: satellites (pg-schema-satellites.ts).
  SATELLITES_PG,
  // 13: a cluster publisher's reservation names its subscribers (JSON list), from its request code (v4).
  `
  ALTER TABLE instances ADD COLUMN nodes TEXT;
  `,
  // 14, 15: offline usage reports and expiry notices (schema-reports.ts).
  ...REPORTS_PG,
  // 16: the server's webhooks and their deliveries, and the compliance each registered instance was last told.
  WEBHOOKS_PG,
  // 17: each virtual account's count of active instances, kept by triggers (pg-schema-counts.ts).
  COUNTS_PG,
  // 18: conservation's check only for a change not made by the triggers that keep it (pg-schema-blocked.ts).
  BLOCKED_PG,
  // 19: a device's reservations whatever their state, by UUID and by serial number (as on SQLite).
  `
  CREATE INDEX instances_uuid ON instances(uuid, id);
  CREATE INDEX instances_sn_all ON instances(sn, id);
  `,
];
