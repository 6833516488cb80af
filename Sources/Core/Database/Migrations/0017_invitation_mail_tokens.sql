-- The token an invitation's mail carries, apart from the one its 201 answer shows the ADMIN: only
-- the mailed one proves control of the address, so only it may take over an account there that
-- never verified its address. Only its SHA-256 is stored; NULL for invitations sent without mail.
ALTER TABLE invitations ADD COLUMN mail_token_hash text UNIQUE;
