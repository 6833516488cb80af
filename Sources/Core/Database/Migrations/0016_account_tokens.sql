-- Proof of an address. Accounts registered before this migration have not proved theirs: they
-- stay unverified (an invitation mailed to the address may take such an account over, and the
-- owner can ask for a verification mail at any time).
ALTER TABLE users ADD COLUMN email_verified_at timestamptz;

-- One-time tokens mailed to an address: only their SHA-256 is stored. `email` is the address the
-- token proves (for an address change, the new one, which becomes the account's when verified).
CREATE TABLE account_tokens (
    token_hash text PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose text NOT NULL CHECK (purpose IN ('verify_email', 'password_reset')),
    email text NOT NULL CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 254),
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at timestamptz
);
CREATE INDEX account_tokens_user_idx ON account_tokens (user_id, purpose);
