-- A start compares its organization's waiting and running audits with ORG_MAX_ACTIVE_AUDITS and
-- writes its audit in one statement that locks the organization's row of `active_audit_counts`
-- (AuditTable.StartStatement). Starts used to lock the organization's row and count in a
-- transaction of five round trips, and every start of an organization waited for all of them.
-- The statement needs the row from the organization's creation on, not from its first audit.
INSERT INTO active_audit_counts (organization_id, active)
    SELECT id, 0 FROM organizations ON CONFLICT (organization_id) DO NOTHING;

CREATE FUNCTION open_active_audit_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO active_audit_counts (organization_id, active) VALUES (NEW.id, 0) ON CONFLICT (organization_id) DO NOTHING;
    RETURN NULL;
END;
$$;

CREATE TRIGGER organizations_open_active_audit_count AFTER INSERT ON organizations
    FOR EACH ROW EXECUTE FUNCTION open_active_audit_count();
