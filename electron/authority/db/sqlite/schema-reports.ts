/**
 * The ledger's tables for what devices report and what License Central tells (migrations 14 and 15 of
 * schema.ts): offline usage reports (ledger/usage-reports.ts) and the expiry notices given (ledger/notices.ts).
 */
export const REPORTS_SQLITE: readonly string[] = [
  // 14: offline usage reports of reserved instances (ledger/usage-reports.ts): each report imported, with the
  // acknowledgement it was answered with (written again, not counted again, when the same report comes back).
  `
  CREATE TABLE usage_reports (
    id INTEGER PRIMARY KEY,
    instance_id INTEGER NOT NULL REFERENCES instances(id),
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL,
    made_at INTEGER NOT NULL,
    usage TEXT NOT NULL,
    status TEXT NOT NULL,
    overage_ms INTEGER NOT NULL,
    over TEXT NOT NULL,
    missing INTEGER NOT NULL,
    imported_at INTEGER NOT NULL,
    ack TEXT NOT NULL,
    UNIQUE (instance_id, seq)
  ) STRICT;
  `,
  // 15: the expiry notices License Central has given (ledger/notices.ts): each one once, as an event.
  `
  CREATE TABLE notices_given (
    kind TEXT NOT NULL, account TEXT NOT NULL, subject TEXT NOT NULL, at INTEGER NOT NULL, notice INTEGER NOT NULL, given_at INTEGER NOT NULL,
    PRIMARY KEY (kind, account, subject, at, notice)
  ) STRICT, WITHOUT ROWID;
  `,
];
