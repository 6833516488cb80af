-- Audits and their evidence. An audit row is written before its scan message is published, and
-- `enqueued_at` records the publish, so an audit whose message never reached Redis (or was lost)
-- is found and enqueued again by the reconciler.
CREATE TABLE audits (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    integration_id uuid REFERENCES integrations (id) ON DELETE SET NULL,
    -- owner/name, or NULL for the whole GitHub organization.
    repository text,
    -- Selected check ids; empty means the whole catalogue.
    checks text[] NOT NULL DEFAULT '{}',
    trigger text NOT NULL CHECK (trigger IN ('manual', 'schedule')),
    status text NOT NULL DEFAULT 'PENDING'
        CHECK (status IN ('PENDING', 'RUNNING', 'PASS', 'FAIL', 'ERROR', 'CANCELED')),
    requested_by uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    started_at timestamptz,
    finished_at timestamptz,
    score integer CHECK (score BETWEEN 0 AND 100),
    passed integer NOT NULL DEFAULT 0,
    failed integer NOT NULL DEFAULT 0,
    errors integer NOT NULL DEFAULT 0,
    not_applicable integer NOT NULL DEFAULT 0,
    progress_done integer NOT NULL DEFAULT 0,
    progress_total integer NOT NULL DEFAULT 0,
    evidence_digest text,
    error text,
    -- Why a PENDING audit waits (e.g. GitHub's rate limit), and until when.
    pending_reason text,
    not_before timestamptz,
    enqueued_at timestamptz
);
CREATE INDEX audits_organization_idx ON audits (organization_id, created_at DESC);
CREATE INDEX audits_unfinished_idx ON audits (created_at) WHERE status IN ('PENDING', 'RUNNING');

CREATE TABLE evidence (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    audit_id uuid NOT NULL REFERENCES audits (id) ON DELETE CASCADE,
    check_id text NOT NULL,
    -- The GitHub organization (`acme`) or repository (`acme/api`) the check looked at.
    resource text NOT NULL,
    status text NOT NULL CHECK (status IN ('PASS', 'FAIL', 'ERROR', 'NOT_APPLICABLE')),
    severity text NOT NULL CHECK (severity IN ('HIGH', 'MEDIUM', 'LOW')),
    soc2 text[] NOT NULL DEFAULT '{}',
    iso27001 text[] NOT NULL DEFAULT '{}',
    sentence text NOT NULL,
    -- The raw GitHub answers the verdict was decided from.
    responses jsonb NOT NULL,
    collected_at timestamptz NOT NULL,
    sha256 text NOT NULL,
    UNIQUE (audit_id, check_id, resource)
);
CREATE INDEX evidence_audit_idx ON evidence (audit_id, check_id, resource);
