-- Billing: the organization's Stripe customer and subscription as the webhooks last described
-- them, and the events already processed (each Stripe event id is applied once).
ALTER TABLE organizations DROP CONSTRAINT organizations_subscription_status_check;
ALTER TABLE organizations
    ADD CONSTRAINT organizations_subscription_status_check CHECK (subscription_status IN
        ('trialing', 'active', 'past_due', 'canceled', 'unpaid', 'incomplete', 'incomplete_expired', 'none')),
    ADD COLUMN stripe_customer_id text UNIQUE,
    ADD COLUMN stripe_subscription_id text,
    ADD COLUMN plan text,
    ADD COLUMN current_period_end timestamptz,
    ADD COLUMN cancel_at_period_end boolean NOT NULL DEFAULT false,
    -- `created` of the Stripe event that set the state above: older events never overwrite it.
    ADD COLUMN subscription_event_at bigint NOT NULL DEFAULT 0;

CREATE TABLE stripe_events (
    id text PRIMARY KEY,
    type text NOT NULL,
    organization_id uuid REFERENCES organizations (id) ON DELETE SET NULL,
    received_at timestamptz NOT NULL DEFAULT now()
);
