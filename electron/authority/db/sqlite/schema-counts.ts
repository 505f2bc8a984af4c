/**
 * Migration 17 of schema.ts: how many active product instances each virtual account has, kept by triggers
 * with every change of an instance, so that the instances list's total costs the same with 100 instances or
 * 1,000,000 (a count(*) over them grows with the ledger). The audit (audit.ts) checks it against a recount.
 */
export const COUNTS_SQLITE = `
  CREATE TABLE instance_counts (
    account_id INTEGER PRIMARY KEY REFERENCES accounts(id),
    active INTEGER NOT NULL CHECK (active >= 0)
  ) STRICT;
  INSERT INTO instance_counts (account_id, active)
    SELECT a.id, (SELECT count(*) FROM instances i WHERE i.account_id = a.id AND i.state = 'active') FROM accounts a;
  CREATE TRIGGER accounts_counted AFTER INSERT ON accounts BEGIN
    INSERT INTO instance_counts (account_id, active) VALUES (NEW.id, 0);
  END;
  CREATE TRIGGER instances_counted_insert AFTER INSERT ON instances WHEN NEW.state = 'active' BEGIN
    UPDATE instance_counts SET active = active + 1 WHERE account_id = NEW.account_id;
  END;
  CREATE TRIGGER instances_counted_delete AFTER DELETE ON instances WHEN OLD.state = 'active' BEGIN
    UPDATE instance_counts SET active = active - 1 WHERE account_id = OLD.account_id;
  END;
  CREATE TRIGGER instances_counted_update AFTER UPDATE OF state, account_id ON instances BEGIN
    UPDATE instance_counts SET active = active - (OLD.state = 'active') WHERE account_id = OLD.account_id;
    UPDATE instance_counts SET active = active + (NEW.state = 'active') WHERE account_id = NEW.account_id;
  END;
`;
