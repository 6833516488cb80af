-- The mail outbox (Mail/). A row is written in the transaction of the change that causes the
-- message, so a committed change always has its mail, and `emails.send` on queue `emails` delivers
-- it afterwards; the reconciler publishes PENDING rows whose message was lost. A link's token is
-- kept encrypted with the Fernet keys until the message is sent, then cleared: the outbox never
-- holds one in plain text, and never one at all once it is no longer needed.
CREATE TABLE emails (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    recipient text NOT NULL CHECK (length(recipient) BETWEEN 3 AND 254),
    recipient_name text NOT NULL DEFAULT '' CHECK (length(recipient_name) <= 200),
    template text NOT NULL
        CHECK (template IN ('verify_email', 'password_reset', 'invitation', 'password_changed', 'email_changed', 'new_login')),
    organization_id uuid REFERENCES organizations (id) ON DELETE CASCADE,
    user_id uuid REFERENCES users (id) ON DELETE CASCADE,
    -- The template's values (names, an organization, an IP address); never a secret.
    context jsonb NOT NULL DEFAULT '{}'::jsonb,
    token_ciphertext text,
    status text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'SENT', 'FAILED')),
    attempts integer NOT NULL DEFAULT 0,
    last_error text,
    task_id text,
    created_at timestamptz NOT NULL DEFAULT now(),
    enqueued_at timestamptz,
    sent_at timestamptz,
    CHECK (status = 'PENDING' OR token_ciphertext IS NULL)
);
CREATE INDEX emails_pending_idx ON emails (created_at) WHERE status = 'PENDING';
CREATE INDEX emails_user_idx ON emails (user_id, template, created_at);
