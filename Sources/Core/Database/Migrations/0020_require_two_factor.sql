-- An organization may require every member to have a second factor.
ALTER TABLE organizations ADD COLUMN require_two_factor boolean NOT NULL DEFAULT false;
