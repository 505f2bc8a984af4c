/**
 * Migration 17 of pg-schema.ts: how many active product instances each virtual account has, kept by triggers
 * with every change of an instance, so that the instances list's total costs the same with 100 instances or
 * 1,000,000 (a count(*) over them grows with the ledger). The audit (audit.ts) checks it against a recount.
 */
export const COUNTS_PG = `
  CREATE TABLE instance_counts (
    account_id BIGINT PRIMARY KEY REFERENCES accounts(id),
    active BIGINT NOT NULL CHECK (active >= 0)
  );
  INSERT INTO instance_counts (account_id, active)
    SELECT a.id, (SELECT count(*) FROM instances i WHERE i.account_id = a.id AND i.state = 'active') FROM accounts a;
  CREATE FUNCTION slr_account_counted() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    INSERT INTO instance_counts (account_id, active) VALUES (NEW.id, 0);
    RETURN NULL;
  END $$;
  CREATE TRIGGER accounts_counted AFTER INSERT ON accounts FOR EACH ROW EXECUTE FUNCTION slr_account_counted();
  CREATE FUNCTION slr_count_instances() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF TG_OP <> 'INSERT' THEN
      IF OLD.state = 'active' THEN UPDATE instance_counts SET active = active - 1 WHERE account_id = OLD.account_id; END IF;
    END IF;
    IF TG_OP <> 'DELETE' THEN
      IF NEW.state = 'active' THEN UPDATE instance_counts SET active = active + 1 WHERE account_id = NEW.account_id; END IF;
    END IF;
    RETURN NULL;
  END $$;
  CREATE TRIGGER instances_counted AFTER INSERT OR DELETE OR UPDATE OF state, account_id ON instances
    FOR EACH ROW EXECUTE FUNCTION slr_count_instances();
`;
