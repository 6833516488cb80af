-- Periodic rescans. A schedule's cron expression is read on the wall clock of its IANA time zone;
-- next_run_at is the next slot in UTC (NULL while disabled). Beat claims a due slot (beat_slots)
-- and, in the same transaction, creates the slot's audit and moves next_run_at on.
CREATE TABLE schedules (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    -- The target: an integration and one repository (owner/name), or its whole GitHub organization
    -- (repository NULL). NULL integration (none connected yet, or removed): the organization's first
    -- integration when a slot comes, and the slot is skipped if it has none.
    integration_id uuid REFERENCES integrations (id) ON DELETE SET NULL,
    repository text,
    cron text NOT NULL CHECK (length(cron) BETWEEN 1 AND 200),
    timezone text NOT NULL CHECK (length(timezone) BETWEEN 1 AND 100),
    enabled boolean NOT NULL DEFAULT true,
    next_run_at timestamptz,
    -- The last slot dispatched or skipped: a recomputed next_run_at always comes after it, so an
    -- edit racing with beat can never bring back a slot that already ran.
    last_slot_at timestamptz,
    last_run_at timestamptz,
    last_audit_id uuid REFERENCES audits (id) ON DELETE SET NULL,
    -- Why the last due slot did not run (subscription_inactive, no_integration); NULL once one runs.
    last_skip_reason text CHECK (last_skip_reason IN ('subscription_inactive', 'no_integration')),
    last_skipped_at timestamptz,
    created_by uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK (enabled OR next_run_at IS NULL)
);
CREATE INDEX schedules_organization_idx ON schedules (organization_id, created_at);
CREATE INDEX schedules_due_idx ON schedules (next_run_at) WHERE enabled;

-- A scheduled audit names its schedule and slot; at most one audit exists per slot, whatever beat does.
ALTER TABLE audits
    ADD COLUMN schedule_id uuid REFERENCES schedules (id) ON DELETE SET NULL,
    ADD COLUMN scheduled_for timestamptz;
CREATE UNIQUE INDEX audits_schedule_slot_key ON audits (schedule_id, scheduled_for) WHERE schedule_id IS NOT NULL;
