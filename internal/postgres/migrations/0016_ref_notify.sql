-- Servers keep partners and internships, read on almost every request, in
-- memory (RefCache). Any change to them, whatever makes it (the API, an
-- import, psql), tells every server at commit on channel crucible_ref,
-- and each forgets what it holds. One notification per statement: a
-- transaction's notifications with the same payload are folded into one.
CREATE FUNCTION notify_ref_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('crucible_ref', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER partners_ref_change
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON partners
    FOR EACH STATEMENT EXECUTE FUNCTION notify_ref_change();

CREATE TRIGGER internships_ref_change
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON internships
    FOR EACH STATEMENT EXECUTE FUNCTION notify_ref_change();

CREATE TRIGGER internship_skills_ref_change
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON internship_skills
    FOR EACH STATEMENT EXECUTE FUNCTION notify_ref_change();
