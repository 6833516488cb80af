-- The audit list's order (newest first, then id) in full, so a page is twenty index entries with no
-- sort, whatever plan PostgreSQL caches for the prepared statement. It replaces the index on
-- (organization_id, created_at DESC), whose queries it serves as well.
CREATE INDEX audits_page_idx ON audits (organization_id, created_at DESC, id);
DROP INDEX audits_organization_idx;
-- Every start counts its organization's waiting and running audits (ORG_MAX_ACTIVE_AUDITS) while it
-- holds the organization's lock. Over the organization's index that read every audit the
-- organization ever had; this index holds only the active ones.
CREATE INDEX audits_active_idx ON audits (organization_id) WHERE status IN ('PENDING', 'RUNNING');
