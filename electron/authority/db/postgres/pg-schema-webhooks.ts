/**
 * The ledger's tables for the server's webhooks (migration 16 of pg-schema.ts; webhooks/): each webhook (a URL
 * per virtual account, or for the whole smart account, its secret and the events it takes, and how far into
 * the event log it has been queued), each delivery with its attempts, and the compliance each registered
 * instance was last told (a change of it is an event a webhook may take).
 */
export const WEBHOOKS_PG = `
  CREATE TABLE webhooks (
    id TEXT PRIMARY KEY,
    account_id BIGINT REFERENCES accounts(id),
    url TEXT NOT NULL,
    secret TEXT NOT NULL,
    events TEXT NOT NULL,
    description TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    queued_to BIGINT NOT NULL,
    removed_at BIGINT
  );
  CREATE TABLE webhook_deliveries (
    id BIGSERIAL PRIMARY KEY,
    webhook_id TEXT NOT NULL REFERENCES webhooks(id),
    event_id BIGINT,
    type TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts BIGINT NOT NULL DEFAULT 0,
    next_at BIGINT,
    last_at BIGINT,
    last_status BIGINT,
    last_error TEXT,
    UNIQUE (webhook_id, event_id)
  );
  CREATE INDEX webhook_deliveries_due ON webhook_deliveries(state, next_at);
  ALTER TABLE registered_instances ADD COLUMN compliance TEXT;
`;
