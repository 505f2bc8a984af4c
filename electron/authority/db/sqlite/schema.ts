/**
 * The authority ledger's SQLite schema, as migrations: MIGRATIONS[i] takes schema version i to i+1
 * (PRAGMA user_version). Each runs in the transaction that opens the ledger.
 *
 * `lots.blocked` is what is reserved by, or in transition for, product instances: kept in step with
 * `holdings` and `transitions` by the database's own triggers (schema 3; so no operation has to sum a whole
 * table, and no code or manual UPDATE can make it differ), and the CHECK makes overbooking impossible at the
 * lowest level. The audit (audit.ts: the tests, `migrate`) recomputes it from scratch.
 */
import { COUNTS_SQLITE } from './schema-counts.ts';
import { BLOCKED_SQLITE } from './schema-blocked.ts';
import { SATELLITES_SQLITE } from './schema-satellites.ts';
import { REPORTS_SQLITE } from './schema-reports.ts';
import { WEBHOOKS_SQLITE } from './schema-webhooks.ts';
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
  CREATE TABLE signing_keys (
    id TEXT PRIMARY KEY, public_key TEXT NOT NULL, private_key TEXT NOT NULL,
    created_at INTEGER NOT NULL, retired_at INTEGER
  ) STRICT;
  CREATE TABLE accounts (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE COLLATE NOCASE, created_at INTEGER NOT NULL) STRICT;
  CREATE TABLE lots (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    tag TEXT NOT NULL,
    type TEXT NOT NULL CHECK (type IN ('PERPETUAL', 'TERM')),
    start INTEGER, end INTEGER,
    count INTEGER NOT NULL,
    blocked INTEGER NOT NULL DEFAULT 0,
    CHECK (blocked >= 0 AND blocked <= count),
    CHECK ((type = 'PERPETUAL' AND start IS NULL AND end IS NULL) OR (type = 'TERM' AND start IS NOT NULL AND end >= start))
  ) STRICT;
  CREATE UNIQUE INDEX lots_identity ON lots(account_id, tag, type, ifnull(start, -1), ifnull(end, -1));
  CREATE TABLE instances (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    product TEXT NOT NULL,
    uuid TEXT NOT NULL,
    sn TEXT NOT NULL,
    device_key BLOB NOT NULL,
    piid TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL CHECK (state IN ('active', 'removed', 'failed')),
    created_at INTEGER NOT NULL,
    last_contact INTEGER NOT NULL,
    last_timestamp INTEGER NOT NULL,
    wrong_codes INTEGER NOT NULL DEFAULT 0,
    locked INTEGER NOT NULL DEFAULT 0
  ) STRICT;
  CREATE UNIQUE INDEX instances_active_uuid ON instances(uuid) WHERE state = 'active';
  CREATE INDEX instances_sn ON instances(sn) WHERE state = 'active';
  CREATE INDEX instances_account ON instances(account_id, state);
  CREATE TABLE holdings (
    instance_id INTEGER NOT NULL REFERENCES instances(id),
    lot_id INTEGER NOT NULL REFERENCES lots(id),
    count INTEGER NOT NULL CHECK (count > 0),
    PRIMARY KEY (instance_id, lot_id)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX holdings_lot ON holdings(lot_id);
  CREATE TABLE transitions (
    id INTEGER PRIMARY KEY,
    instance_id INTEGER NOT NULL REFERENCES instances(id),
    lot_id INTEGER NOT NULL REFERENCES lots(id),
    count INTEGER NOT NULL CHECK (count > 0),
    code_timestamp INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX transitions_instance ON transitions(instance_id);
  CREATE INDEX transitions_lot ON transitions(lot_id);
  CREATE TABLE codes (
    id INTEGER PRIMARY KEY,
    instance_id INTEGER NOT NULL REFERENCES instances(id),
    timestamp INTEGER NOT NULL,
    key_id TEXT NOT NULL REFERENCES signing_keys(id),
    code TEXT NOT NULL,
    issued_at INTEGER NOT NULL,
    confirmed_at INTEGER
  ) STRICT;
  CREATE INDEX codes_instance ON codes(instance_id, timestamp);
  CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    account TEXT,
    instance TEXT,
    type TEXT NOT NULL,
    message TEXT NOT NULL,
    code TEXT
  ) STRICT;
  CREATE INDEX events_account ON events(account, id);
  `,
  // 2: each signing key after the first is endorsed by the key before it, so that devices provisioned with
  // an older key accept it; the ledger's latest time seen (meta 'high_water') is kept from now on.
  `
  CREATE TABLE key_endorsements (
    key_id TEXT PRIMARY KEY REFERENCES signing_keys(id),
    endorser_id TEXT NOT NULL REFERENCES signing_keys(id),
    signature BLOB NOT NULL
  ) STRICT;
  INSERT INTO meta (key, value) SELECT 'high_water', CAST(max(at) AS TEXT) FROM events HAVING max(at) IS NOT NULL;
  `,
  // 3: conservation enforced by the database itself. lots.blocked is maintained by triggers on holdings and
  // transitions, and nothing else may set it: any change that leaves it different from what holdings and
  // transitions block is refused, and the CHECK keeps it within 0..count. The code never writes it.
  `
  ${['holdings', 'transitions']
    .map(
      (t) => `
  CREATE TRIGGER ${t}_insert AFTER INSERT ON ${t} BEGIN
    UPDATE lots SET blocked = blocked + NEW.count WHERE id = NEW.lot_id;
  END;
  CREATE TRIGGER ${t}_delete AFTER DELETE ON ${t} BEGIN
    UPDATE lots SET blocked = blocked - OLD.count WHERE id = OLD.lot_id;
  END;
  CREATE TRIGGER ${t}_update AFTER UPDATE OF count, lot_id ON ${t} BEGIN
    UPDATE lots SET blocked = blocked + (CASE WHEN id = NEW.lot_id THEN NEW.count ELSE 0 END) - (CASE WHEN id = OLD.lot_id THEN OLD.count ELSE 0 END)
    WHERE id IN (OLD.lot_id, NEW.lot_id);
  END;`,
    )
    .join('')}
  CREATE TRIGGER lots_blocked_is_derived AFTER UPDATE OF blocked ON lots
  WHEN NEW.blocked <> coalesce((SELECT sum(count) FROM holdings WHERE lot_id = NEW.id), 0) + coalesce((SELECT sum(count) FROM transitions WHERE lot_id = NEW.id), 0)
  BEGIN
    SELECT RAISE(ABORT, 'conservation: lots.blocked is what holdings and transitions block, and cannot be set otherwise');
  END;
  CREATE TRIGGER lots_insert_unblocked AFTER INSERT ON lots WHEN NEW.blocked <> 0
  BEGIN
    SELECT RAISE(ABORT, 'conservation: a new lot blocks nothing');
  END;
  `,
  // 4: a tamper-evident event log: every event carries the hash of the one before it (shared/event-chain.ts);
  // the events already there are chained, in order, when the ledger is opened.
  `
  ALTER TABLE events ADD COLUMN hash TEXT;
  `,
  // 5: License Central as a server. Its users (the seeds' roles; a virtual-account role names its account),
  // their sessions and API tokens (only a hash of each is kept), the results of changes by idempotency key
  // (a retried request gets the first result), and failed logins (for the per-user limit).
  `
  CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    role TEXT NOT NULL CHECK (role IN ('smart-account-admin', 'va-admin', 'va-user')),
    account_id INTEGER REFERENCES accounts(id),
    password_hash TEXT NOT NULL,
    must_change INTEGER NOT NULL DEFAULT 0,
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    CHECK ((role = 'smart-account-admin') = (account_id IS NULL))
  ) STRICT;
  CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL CHECK (kind IN ('session', 'api-token')),
    created_at INTEGER NOT NULL,
    expires_at INTEGER
  ) STRICT;
  CREATE INDEX sessions_user ON sessions(user_id);
  CREATE TABLE idempotency (
    user_id INTEGER NOT NULL REFERENCES users(id),
    key TEXT NOT NULL,
    operation TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status INTEGER NOT NULL,
    reply TEXT NOT NULL,
    at INTEGER NOT NULL,
    PRIMARY KEY (user_id, key)
  ) STRICT;
  CREATE INDEX idempotency_at ON idempotency(at);
  CREATE TABLE login_failures (name TEXT NOT NULL, at INTEGER NOT NULL) STRICT;
  CREATE INDEX login_failures_name ON login_failures(name, at);
  `,
  // 6: Smart Licensing online: Product Instance Registration Tokens per virtual account (what each allows,
  // how often it was used, whether it was revoked). Whether the smart account may have export-controlled
  // functionality is meta 'export_controlled'.
  `
  CREATE TABLE registration_tokens (
    id TEXT PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    description TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    max_uses INTEGER,
    uses INTEGER NOT NULL DEFAULT 0,
    export_controlled INTEGER NOT NULL,
    revoked_at INTEGER,
    CHECK (max_uses IS NULL OR max_uses >= 1),
    CHECK (uses >= 0 AND (max_uses IS NULL OR uses <= max_uses))
  ) STRICT;
  CREATE INDEX registration_tokens_account ON registration_tokens(account_id);
  `,
  // 7: product instances registered online with a token (Smart Licensing, pooled licenses): their key, the
  // sequence number of their last signed call, their registration and authorization periods, and the usage
  // each reported last.
  `
  CREATE TABLE registered_instances (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    product TEXT NOT NULL,
    uuid TEXT NOT NULL,
    sn TEXT NOT NULL,
    device_key BLOB NOT NULL,
    token_id TEXT NOT NULL REFERENCES registration_tokens(id),
    hostname TEXT,
    export_controlled INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('registered', 'deregistered')),
    registered_at INTEGER NOT NULL,
    registration_expires INTEGER NOT NULL,
    authorization_expires INTEGER NOT NULL,
    last_contact INTEGER NOT NULL,
    last_usage_at INTEGER,
    seq INTEGER NOT NULL DEFAULT 0
  ) STRICT;
  CREATE UNIQUE INDEX registered_active_uuid ON registered_instances(uuid) WHERE state = 'registered';
  CREATE INDEX registered_account ON registered_instances(account_id, state);
  CREATE TABLE registered_usage (
    instance_id INTEGER NOT NULL REFERENCES registered_instances(id),
    tag TEXT NOT NULL,
    count INTEGER NOT NULL CHECK (count >= 0),
    PRIMARY KEY (instance_id, tag)
  ) STRICT;
  `,
  // 8: the nonce of every registration request accepted, by UDI (a recorded registration sent again is
  // refused); a virtual account's name_key, the one case rule's key of its name (shared/text.ts nameKey,
  // filled by the store's migration and compared byte for byte on both engines); idempotency records written before were keyed by the raw key and held hashes of whole bodies
  // (a password change's included): they are dropped, and new ones hold neither (server/idempotency.ts).
  `
  CREATE TABLE register_nonces (uuid TEXT NOT NULL, nonce TEXT NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (uuid, nonce)) STRICT, WITHOUT ROWID;
  DELETE FROM idempotency;
  ALTER TABLE accounts ADD COLUMN name_key TEXT;
  `,
  // 9: what License Central knows of a device's state from the digest its codes carry (ledger/device-state.ts):
  // the newest authorization code it is known to have run, and the latest warning about its state.
  `
  ALTER TABLE instances ADD COLUMN device_ran INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE instances ADD COLUMN device_finding TEXT;
  ALTER TABLE instances ADD COLUMN device_warning TEXT;
  ALTER TABLE instances ADD COLUMN device_warning_at INTEGER;
  `,
  // 10: export control online (\`license smart export request|return\`): the export authorization keys License
  // Central granted to registered instances. Each holds one export key license of a lot, so lots.blocked counts
  // grants too (kept by triggers, and checked as before): no license is granted online and reserved twice.
  `
  CREATE TABLE export_grants (
    id INTEGER PRIMARY KEY,
    instance_id INTEGER NOT NULL REFERENCES registered_instances(id),
    lot_id INTEGER NOT NULL REFERENCES lots(id),
    feature TEXT NOT NULL,
    count INTEGER NOT NULL DEFAULT 1 CHECK (count = 1),
    granted_at INTEGER NOT NULL
  ) STRICT;
  CREATE UNIQUE INDEX export_grants_feature ON export_grants(instance_id, feature);
  CREATE INDEX export_grants_lot ON export_grants(lot_id);
  CREATE TRIGGER export_grants_insert AFTER INSERT ON export_grants BEGIN
    UPDATE lots SET blocked = blocked + NEW.count WHERE id = NEW.lot_id;
  END;
  CREATE TRIGGER export_grants_delete AFTER DELETE ON export_grants BEGIN
    UPDATE lots SET blocked = blocked - OLD.count WHERE id = OLD.lot_id;
  END;
  DROP TRIGGER lots_blocked_is_derived;
  CREATE TRIGGER lots_blocked_is_derived AFTER UPDATE OF blocked ON lots
  WHEN NEW.blocked <> coalesce((SELECT sum(count) FROM holdings WHERE lot_id = NEW.id), 0) + coalesce((SELECT sum(count) FROM transitions WHERE lot_id = NEW.id), 0)
    + coalesce((SELECT sum(count) FROM export_grants WHERE lot_id = NEW.id), 0)
  BEGIN
    SELECT RAISE(ABORT, 'conservation: lots.blocked is what holdings, transitions and export grants block, and cannot be set otherwise');
  END;
  `,
  // 11: a registered instance that is a cluster's publisher names its subscribers (JSON list) with its usage report.
  `
  ALTER TABLE registered_instances ADD COLUMN nodes TEXT;
  `,
  // 12: satellites (schema-satellites.ts).
  SATELLITES_SQLITE,
  // 13: a cluster publisher's reservation names its subscribers (JSON list), from its request code (v4).
  `
  ALTER TABLE instances ADD COLUMN nodes TEXT;
  `,
  // 14, 15: offline usage reports and expiry notices (schema-reports.ts).
  ...REPORTS_SQLITE,
  // 16: the server's webhooks and their deliveries, and the compliance each registered instance was last told.
  WEBHOOKS_SQLITE,
  // 17: each virtual account's count of active instances, kept by triggers (schema-counts.ts).
  COUNTS_SQLITE,
  // 18: conservation's check at the cost of one row, not a sum over the lot (schema-blocked.ts).
  BLOCKED_SQLITE,
  // 19: a device's reservations whatever their state, by UUID and by serial number (a return code of one already
  // given back is explained from them): found by an index, not by reading every instance.
  `
  CREATE INDEX instances_uuid ON instances(uuid, id);
  CREATE INDEX instances_sn_all ON instances(sn, id);
  `,
];

export const LEDGER_VERSION = MIGRATIONS.length;
