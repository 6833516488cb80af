-- The API keeps the principals it authenticated in memory (PrincipalCache) and learns of changes
-- made through the application from counters in Redis (PrincipalStamps). These triggers tell every
-- API process of changes made any other way (an operator's SQL, a restored backup): they NOTIFY
-- `principal_changes` and each process forgets what it remembered. Statement triggers, on the
-- columns a principal is made of only: a login stamping last_login_at notifies nobody.
CREATE FUNCTION principal_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('principal_changes', TG_TABLE_NAME);
    RETURN NULL;
END;
$$;

CREATE TRIGGER users_principal_changed AFTER UPDATE OF is_active, email, password_hash OR DELETE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION principal_changed();
CREATE TRIGGER token_families_principal_changed AFTER UPDATE OF revoked_at, user_id OR DELETE ON token_families
    FOR EACH STATEMENT EXECUTE FUNCTION principal_changed();
CREATE TRIGGER sessions_principal_changed AFTER UPDATE OF revoked_at, expires_at, organization_id, user_id OR DELETE ON sessions
    FOR EACH STATEMENT EXECUTE FUNCTION principal_changed();
CREATE TRIGGER memberships_principal_changed AFTER INSERT OR UPDATE OR DELETE ON memberships
    FOR EACH STATEMENT EXECUTE FUNCTION principal_changed();
CREATE TRIGGER organizations_principal_changed
    AFTER UPDATE OF subscription_status, trial_ends_at, stripe_subscription_id OR DELETE ON organizations
    FOR EACH STATEMENT EXECUTE FUNCTION principal_changed();
