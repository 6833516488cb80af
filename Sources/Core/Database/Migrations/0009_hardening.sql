-- Hardening: vocabularies from outside are stored as they come, one report is rendered per audit
-- at a time, and system actors are named in the security log.

-- Stripe documents statuses the first CHECK did not list (`paused`) and may add more: a webhook
-- must store whatever it says (premium is decided in code, from the known ones), never fail on it.
ALTER TABLE organizations DROP CONSTRAINT organizations_subscription_status_check;
ALTER TABLE organizations
    ADD CONSTRAINT organizations_subscription_status_check CHECK (length(subscription_status) BETWEEN 1 AND 64);

-- At most one PENDING or RUNNING report per audit: asking again returns it. Earlier duplicates
-- (from before this rule) keep the oldest; the others end as superseded.
UPDATE reports r SET status = 'ERROR', finished_at = now(),
    error = 'Superseded by an earlier request for the same audit''s report.'
WHERE status IN ('PENDING', 'RUNNING')
  AND EXISTS (SELECT 1 FROM reports o WHERE o.audit_id = r.audit_id AND o.status IN ('PENDING', 'RUNNING')
              AND (o.created_at, o.id) < (r.created_at, r.id));
CREATE UNIQUE INDEX reports_one_active_per_audit ON reports (audit_id) WHERE status IN ('PENDING', 'RUNNING');

-- Rows the system writes (Stripe webhooks, beat, an operator's command) name it here; user
-- actions keep `actor_id`.
ALTER TABLE audit_log ADD COLUMN actor_system text CHECK (actor_system IS NULL OR length(actor_system) BETWEEN 1 AND 32);
UPDATE audit_log SET actor_system = metadata->>'actor', metadata = metadata - 'actor'
WHERE actor_id IS NULL AND metadata ? 'actor';
UPDATE audit_log SET actor_system = 'operator', metadata = metadata - 'by'
WHERE actor_id IS NULL AND metadata->>'by' = 'operator';
