-- New-login notices: opted into per user; the addresses an account has signed in from are kept so
-- a login from one it never used can be told apart.
ALTER TABLE users ADD COLUMN notify_new_login boolean NOT NULL DEFAULT false;

CREATE TABLE login_addresses (
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    ip text NOT NULL,
    first_seen_at timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, ip)
);
