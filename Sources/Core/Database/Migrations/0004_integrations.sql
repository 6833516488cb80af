-- Connections to GitHub (or GitHub Enterprise Server). The token is stored only as a Fernet
-- ciphertext (FERNET_KEYS); nothing else about it is kept that could be used as a credential.
CREATE TABLE integrations (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    provider text NOT NULL DEFAULT 'github' CHECK (provider IN ('github')),
    -- The GitHub login the credential acts for: an organization, a user, or an App installation.
    account text NOT NULL,
    account_type text NOT NULL CHECK (account_type IN ('Organization', 'User', 'Installation')),
    base_url text NOT NULL,
    token_type text NOT NULL,
    scopes text[] NOT NULL DEFAULT '{}',
    token_ciphertext text NOT NULL,
    created_by uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz
);
CREATE INDEX integrations_organization_idx ON integrations (organization_id, created_at);
