-- PDF reports of finished audits. A report row is written (PENDING) before its `reports.generate`
-- message is published, and `enqueued_at` records the publish, so a report whose message never
-- reached Redis (or was lost) is found and published again by the reconciler. The worker stores
-- the rendered PDF with its SHA-256 and size; the API only reads them.
CREATE TABLE reports (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    audit_id uuid NOT NULL REFERENCES audits (id) ON DELETE CASCADE,
    status text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'RUNNING', 'READY', 'ERROR')),
    requested_by uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    enqueued_at timestamptz,
    started_at timestamptz,
    finished_at timestamptz,
    pages integer,
    size integer,
    sha256 text,
    pdf bytea,
    error text,
    -- A READY report always has its bytes, their hash and size.
    CHECK (status <> 'READY' OR (pdf IS NOT NULL AND sha256 IS NOT NULL AND size IS NOT NULL))
);
CREATE INDEX reports_audit_idx ON reports (audit_id, created_at DESC);
CREATE INDEX reports_organization_idx ON reports (organization_id);
CREATE INDEX reports_pending_idx ON reports (created_at) WHERE status = 'PENDING';
