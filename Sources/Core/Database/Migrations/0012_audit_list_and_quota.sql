-- The audit list's order (newest first, then id) in full, so a page is twenty index entries with no
-- sort, whatever plan PostgreSQL caches for the prepared statement. It replaces the index on
-- (organization_id, created_at DESC), whose queries it serves as well.
CREATE INDEX audits_page_idx ON audits (organization_id, created_at DESC, id);
DROP INDEX audits_organization_idx;

-- Every start compares its organization's waiting and running audits with ORG_MAX_ACTIVE_AUDITS
-- while it holds the organization's lock. Counting them read every such audit on every start; this
-- count is kept by the database itself, on every write to `audits` whoever makes it, so a start
-- reads one row.
CREATE TABLE active_audit_counts (
    organization_id uuid PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
    active integer NOT NULL CHECK (active >= 0)
);

CREATE FUNCTION count_active_audits() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status IN ('PENDING', 'RUNNING') THEN
        UPDATE active_audit_counts SET active = active - 1 WHERE organization_id = OLD.organization_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.status IN ('PENDING', 'RUNNING') THEN
        INSERT INTO active_audit_counts (organization_id, active) VALUES (NEW.organization_id, 1)
        ON CONFLICT (organization_id) DO UPDATE SET active = active_audit_counts.active + 1;
    END IF;
    RETURN NULL;
END;
$$;

-- Writers wait while the count is taken, so it starts exact.
LOCK TABLE audits IN SHARE ROW EXCLUSIVE MODE;
INSERT INTO active_audit_counts (organization_id, active)
    SELECT organization_id, count(*) FROM audits WHERE status IN ('PENDING', 'RUNNING') GROUP BY organization_id;
CREATE TRIGGER audits_count_active AFTER INSERT OR DELETE OR UPDATE OF status, organization_id ON audits
    FOR EACH ROW EXECUTE FUNCTION count_active_audits();
