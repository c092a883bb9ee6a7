-- The placement report's facts: one narrow row per application, with the
-- furthest stage of the funnel it reached (1 APPLIED … 7 HIRED: by its
-- status or by any move into a stage), the days from the application to
-- its first move into each stage, and the student's major and graduation
-- year (followed when they change). Kept by triggers, whoever writes
-- applications and moves (the pipeline, the importer, the demo), so that a
-- report scans this instead of the applications with their letters and
-- their moves; the applications and moves stay the record.
CREATE TABLE placement_facts (
    application_id  bigint PRIMARY KEY REFERENCES applications (id) ON DELETE CASCADE,
    internship_id   bigint NOT NULL,
    student_id      bigint NOT NULL,
    major           text NOT NULL,
    graduation_year integer NOT NULL,
    applied_at      timestamptz NOT NULL,
    reached         smallint NOT NULL DEFAULT 1 CHECK (reached BETWEEN 1 AND 7),
    d2 real, d3 real, d4 real, d5 real, d6 real, d7 real,
    accepted_at     timestamptz,
    hired_at        timestamptz
);
CREATE INDEX placement_facts_internship_idx ON placement_facts (internship_id);
CREATE INDEX placement_facts_hired_idx ON placement_facts (hired_at) WHERE hired_at IS NOT NULL;

-- funnel_stage is a status's place in the funnel; NULL for REJECTED,
-- DECLINED and WITHDRAWN, which are not stages.
CREATE FUNCTION funnel_stage(status text) RETURNS smallint LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT array_position(ARRAY['APPLIED', 'SHORTLISTED', 'INTERVIEWING', 'OFFERED', 'ACCEPTED', 'COMPLETED', 'HIRED'], status)::smallint
$$;

-- placement_facts_refresh recomputes the facts of some applications from
-- their status and all their moves.
CREATE FUNCTION placement_facts_refresh(ids bigint[]) RETURNS void LANGUAGE sql AS $$
    UPDATE placement_facts f SET
        internship_id = a.internship_id, student_id = a.student_id, applied_at = a.created_at,
        reached = greatest(coalesce(funnel_stage(a.status), 1), coalesce(n.reached, 1)),
        d2 = (date_part('epoch', n.t2 - a.created_at) / 86400)::real,
        d3 = (date_part('epoch', n.t3 - a.created_at) / 86400)::real,
        d4 = (date_part('epoch', n.t4 - a.created_at) / 86400)::real,
        d5 = (date_part('epoch', n.t5 - a.created_at) / 86400)::real,
        d6 = (date_part('epoch', n.t6 - a.created_at) / 86400)::real,
        d7 = (date_part('epoch', n.t7 - a.created_at) / 86400)::real,
        accepted_at = n.t5, hired_at = n.t7
    FROM applications a LEFT JOIN (
        SELECT application_id, max(funnel_stage(to_status)) AS reached,
            min(at) FILTER (WHERE to_status = 'SHORTLISTED') AS t2,
            min(at) FILTER (WHERE to_status = 'INTERVIEWING') AS t3,
            min(at) FILTER (WHERE to_status = 'OFFERED') AS t4,
            min(at) FILTER (WHERE to_status = 'ACCEPTED') AS t5,
            min(at) FILTER (WHERE to_status = 'COMPLETED') AS t6,
            min(at) FILTER (WHERE to_status = 'HIRED') AS t7
        FROM application_events
        WHERE application_id = ANY(ids) AND to_status IN ('SHORTLISTED', 'INTERVIEWING', 'OFFERED', 'ACCEPTED', 'COMPLETED', 'HIRED')
        GROUP BY application_id) n ON n.application_id = a.id
    WHERE a.id = ANY(ids) AND f.application_id = a.id
$$;

CREATE FUNCTION placement_facts_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO placement_facts (application_id, internship_id, student_id, major, graduation_year, applied_at, reached)
    SELECT n.id, n.internship_id, n.student_id, s.major, s.graduation_year, n.created_at, coalesce(funnel_stage(n.status), 1)
    FROM new_applications n JOIN students s ON s.id = n.student_id;
    RETURN NULL;
END $$;
CREATE TRIGGER placement_facts_insert AFTER INSERT ON applications
    REFERENCING NEW TABLE AS new_applications FOR EACH STATEMENT EXECUTE FUNCTION placement_facts_insert();

-- A change of status, day, internship or student.
CREATE FUNCTION placement_facts_application() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM placement_facts_refresh(ARRAY(
        SELECT n.id FROM new_applications n JOIN old_applications o ON o.id = n.id
        WHERE (n.status, n.created_at, n.internship_id, n.student_id) IS DISTINCT FROM (o.status, o.created_at, o.internship_id, o.student_id)));
    RETURN NULL;
END $$;
CREATE TRIGGER placement_facts_application AFTER UPDATE ON applications
    REFERENCING OLD TABLE AS old_applications NEW TABLE AS new_applications
    FOR EACH STATEMENT EXECUTE FUNCTION placement_facts_application();

-- Moves recorded, corrected (backdated) or removed.
CREATE FUNCTION placement_facts_moves() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM placement_facts_refresh(ARRAY(SELECT DISTINCT application_id FROM new_moves));
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM placement_facts_refresh(ARRAY(SELECT application_id FROM new_moves UNION SELECT application_id FROM old_moves));
    ELSE
        PERFORM placement_facts_refresh(ARRAY(SELECT DISTINCT application_id FROM old_moves));
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER placement_facts_moves_insert AFTER INSERT ON application_events
    REFERENCING NEW TABLE AS new_moves FOR EACH STATEMENT EXECUTE FUNCTION placement_facts_moves();
CREATE TRIGGER placement_facts_moves_update AFTER UPDATE ON application_events
    REFERENCING OLD TABLE AS old_moves NEW TABLE AS new_moves FOR EACH STATEMENT EXECUTE FUNCTION placement_facts_moves();
CREATE TRIGGER placement_facts_moves_delete AFTER DELETE ON application_events
    REFERENCING OLD TABLE AS old_moves FOR EACH STATEMENT EXECUTE FUNCTION placement_facts_moves();

CREATE FUNCTION placement_facts_student() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE placement_facts SET major = NEW.major, graduation_year = NEW.graduation_year WHERE student_id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER placement_facts_student AFTER UPDATE OF major, graduation_year ON students
    FOR EACH ROW WHEN (OLD.major IS DISTINCT FROM NEW.major OR OLD.graduation_year IS DISTINCT FROM NEW.graduation_year)
    EXECUTE FUNCTION placement_facts_student();
CREATE INDEX placement_facts_of_student_idx ON placement_facts (student_id);

-- The facts of the applications already there.
INSERT INTO placement_facts (application_id, internship_id, student_id, major, graduation_year, applied_at, reached)
SELECT a.id, a.internship_id, a.student_id, s.major, s.graduation_year, a.created_at, 1
FROM applications a JOIN students s ON s.id = a.student_id;
SELECT placement_facts_refresh(ARRAY(SELECT id FROM applications));
