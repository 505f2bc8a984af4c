/**
 * The ledger's tables for the server's webhooks (migration 16 of schema.ts; webhooks/): each webhook (a URL
 * per virtual account, or for the whole smart account, its secret and the events it takes, and how far into
 * the event log it has been queued), each delivery with its attempts, and the compliance each registered
 * instance was last told (a change of it is an event a webhook may take).
 */
export const WEBHOOKS_SQLITE = `
  CREATE TABLE webhooks (
    id TEXT PRIMARY KEY,
    account_id INTEGER REFERENCES accounts(id),
    url TEXT NOT NULL,
    secret TEXT NOT NULL,
    events TEXT NOT NULL,
    description TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    queued_to INTEGER NOT NULL,
    removed_at INTEGER
  ) STRICT;
  CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY,
    webhook_id TEXT NOT NULL REFERENCES webhooks(id),
    event_id INTEGER,
    type TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at INTEGER,
    last_at INTEGER,
    last_status INTEGER,
    last_error TEXT,
    UNIQUE (webhook_id, event_id)
  ) STRICT;
  CREATE INDEX webhook_deliveries_due ON webhook_deliveries(state, next_at);
  ALTER TABLE registered_instances ADD COLUMN compliance TEXT;
`;
