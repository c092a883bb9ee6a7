-- Servers keep token lookups in memory for a few seconds (TokenCache). A
-- change that can end or narrow what a token may do tells every server at
-- commit, on channel crucible_auth, so that revocation takes effect at
-- once everywhere: a token revoked, expired, rescoped or deleted (with its
-- student, alumnus or partner), and any change to the partner tree, which
-- a partner token's group is read from. Marking a token used does not.
CREATE FUNCTION notify_auth_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('crucible_auth', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER tokens_auth_change
    AFTER UPDATE OF role, partner_id, student_id, alumnus_id, hash, expires_at, revoked_at OR DELETE OR TRUNCATE ON tokens
    FOR EACH STATEMENT EXECUTE FUNCTION notify_auth_change();

CREATE TRIGGER partners_auth_change
    AFTER INSERT OR UPDATE OF parent_id OR DELETE OR TRUNCATE ON partners
    FOR EACH STATEMENT EXECUTE FUNCTION notify_auth_change();
