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

CREATE FUNCTION placement_facts_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO placement_facts (application_id, internship_id, student_id, major, graduation_year, applied_at, reached)
    SELECT n.id, n.internship_id, n.student_id, s.major, s.graduation_year, n.created_at, coalesce(funnel_stage(n.status), 1)
    FROM new_applications n JOIN students s ON s.id = n.student_id;
    RETURN NULL;
END $$;
CREATE TRIGGER placement_facts_insert AFTER INSERT ON applications
    REFERENCING NEW TABLE AS new_applications FOR EACH STATEMENT EXECUTE FUNCTION placement_facts_insert();

CREATE FUNCTION placement_facts_status() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE placement_facts f SET reached = greatest(f.reached, funnel_stage(n.status)),
        internship_id = n.internship_id, student_id = n.student_id, applied_at = n.created_at
    FROM new_applications n
    WHERE f.application_id = n.id AND (f.reached < coalesce(funnel_stage(n.status), 1)
        OR f.internship_id <> n.internship_id OR f.student_id <> n.student_id OR f.applied_at <> n.created_at);
    RETURN NULL;
END $$;
CREATE TRIGGER placement_facts_status AFTER UPDATE ON applications
    REFERENCING NEW TABLE AS new_applications FOR EACH STATEMENT EXECUTE FUNCTION placement_facts_status();

CREATE FUNCTION placement_facts_moves() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE placement_facts f SET
        reached = greatest(f.reached, n.reached),
        d2 = least(f.d2, (date_part('epoch', n.t2 - f.applied_at) / 86400)::real),
        d3 = least(f.d3, (date_part('epoch', n.t3 - f.applied_at) / 86400)::real),
        d4 = least(f.d4, (date_part('epoch', n.t4 - f.applied_at) / 86400)::real),
        d5 = least(f.d5, (date_part('epoch', n.t5 - f.applied_at) / 86400)::real),
        d6 = least(f.d6, (date_part('epoch', n.t6 - f.applied_at) / 86400)::real),
        d7 = least(f.d7, (date_part('epoch', n.t7 - f.applied_at) / 86400)::real),
        accepted_at = least(f.accepted_at, n.t5),
        hired_at = least(f.hired_at, n.t7)
    FROM (
        SELECT application_id, max(funnel_stage(to_status)) AS reached,
            min(at) FILTER (WHERE to_status = 'SHORTLISTED') AS t2,
            min(at) FILTER (WHERE to_status = 'INTERVIEWING') AS t3,
            min(at) FILTER (WHERE to_status = 'OFFERED') AS t4,
            min(at) FILTER (WHERE to_status = 'ACCEPTED') AS t5,
            min(at) FILTER (WHERE to_status = 'COMPLETED') AS t6,
            min(at) FILTER (WHERE to_status = 'HIRED') AS t7
        FROM new_moves
        WHERE to_status IN ('SHORTLISTED', 'INTERVIEWING', 'OFFERED', 'ACCEPTED', 'COMPLETED', 'HIRED')
        GROUP BY application_id) n
    WHERE f.application_id = n.application_id;
    RETURN NULL;
END $$;
CREATE TRIGGER placement_facts_moves AFTER INSERT ON application_events
    REFERENCING NEW TABLE AS new_moves FOR EACH STATEMENT EXECUTE FUNCTION placement_facts_moves();

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
SELECT a.id, a.internship_id, a.student_id, s.major, s.graduation_year, a.created_at, coalesce(funnel_stage(a.status), 1)
FROM applications a JOIN students s ON s.id = a.student_id;
UPDATE placement_facts f SET
    reached = greatest(f.reached, n.reached),
    d2 = (date_part('epoch', n.t2 - f.applied_at) / 86400)::real,
    d3 = (date_part('epoch', n.t3 - f.applied_at) / 86400)::real,
    d4 = (date_part('epoch', n.t4 - f.applied_at) / 86400)::real,
    d5 = (date_part('epoch', n.t5 - f.applied_at) / 86400)::real,
    d6 = (date_part('epoch', n.t6 - f.applied_at) / 86400)::real,
    d7 = (date_part('epoch', n.t7 - f.applied_at) / 86400)::real,
    accepted_at = n.t5, hired_at = n.t7
FROM (
    SELECT application_id, max(funnel_stage(to_status)) AS reached,
        min(at) FILTER (WHERE to_status = 'SHORTLISTED') AS t2,
        min(at) FILTER (WHERE to_status = 'INTERVIEWING') AS t3,
        min(at) FILTER (WHERE to_status = 'OFFERED') AS t4,
        min(at) FILTER (WHERE to_status = 'ACCEPTED') AS t5,
        min(at) FILTER (WHERE to_status = 'COMPLETED') AS t6,
        min(at) FILTER (WHERE to_status = 'HIRED') AS t7
    FROM application_events
    WHERE to_status IN ('SHORTLISTED', 'INTERVIEWING', 'OFFERED', 'ACCEPTED', 'COMPLETED', 'HIRED')
    GROUP BY application_id) n
WHERE f.application_id = n.application_id;
