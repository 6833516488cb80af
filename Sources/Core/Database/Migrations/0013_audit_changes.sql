-- The API keeps its answers about audits (the list and one audit) in memory and learns of writes
-- made through the application from a counter in Redis (AuditChanges). This trigger tells every
-- API process of every write, whoever makes it: it NOTIFYs `audit_changes` and each process
-- forgets its answers. Only the columns the API shows; a heartbeat notifies nobody.
CREATE FUNCTION audits_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('audit_changes', '');
    RETURN NULL;
END;
$$;

CREATE TRIGGER audits_changed
    AFTER INSERT OR DELETE OR UPDATE OF organization_id, integration_id, repository, checks, trigger, status, requested_by,
        created_at, started_at, finished_at, score, passed, failed, errors, not_applicable, progress_done, progress_total,
        evidence_digest, error, pending_reason
    ON audits FOR EACH STATEMENT EXECUTE FUNCTION audits_changed();
