-- A student's skills, as a page of students shows them, kept on the
-- student's row: two arrays in the same order (names and levels; the
-- highest level first, then by name in byte order). A page of 50 students used to
-- aggregate each student's skills in a lateral subquery, which cost
-- PostgreSQL more than the rest of the page. student_skills stays the
-- record (filters and reports read it); statement triggers keep the
-- arrays equal to it whatever writes it (the API, COPY, psql), in the
-- writing statement itself. A bulk load that writes the arrays with the
-- students' rows itself (postgres.copyStudents) sets
-- crucible.skill_arrays_written for its COPY of student_skills, and the
-- triggers leave that statement alone.
ALTER TABLE students
    ADD COLUMN skill_names text[] NOT NULL DEFAULT '{}',
    ADD COLUMN skill_levels smallint[] NOT NULL DEFAULT '{}';

-- sync_student_skills recomputes the arrays of the students in ids, and
-- writes only those that differ.
CREATE FUNCTION sync_student_skills(ids bigint[]) RETURNS void LANGUAGE sql AS $$
    WITH agg AS (
        SELECT k.student_id AS id,
            array_agg(k.skill ORDER BY k.level DESC, k.skill COLLATE "C") AS names,
            array_agg(k.level ORDER BY k.level DESC, k.skill COLLATE "C") AS levels
        FROM student_skills k WHERE k.student_id = ANY(ids) GROUP BY k.student_id
    )
    UPDATE students s SET skill_names = coalesce(agg.names, '{}'), skill_levels = coalesce(agg.levels, '{}')
    FROM unnest(ids) AS t(id) LEFT JOIN agg USING (id)
    WHERE s.id = t.id
      AND (s.skill_names IS DISTINCT FROM coalesce(agg.names, '{}') OR s.skill_levels IS DISTINCT FROM coalesce(agg.levels, '{}'));
$$;

CREATE FUNCTION student_skills_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('crucible.skill_arrays_written', true) = 'on' THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        PERFORM sync_student_skills(ARRAY(SELECT DISTINCT student_id FROM new_rows));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM sync_student_skills(ARRAY(SELECT DISTINCT student_id FROM old_rows));
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM sync_student_skills(ARRAY(SELECT student_id FROM new_rows UNION SELECT student_id FROM old_rows));
    ELSE -- TRUNCATE
        UPDATE students SET skill_names = '{}', skill_levels = '{}' WHERE skill_names <> '{}' OR skill_levels <> '{}';
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER student_skills_insert AFTER INSERT ON student_skills
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION student_skills_changed();
CREATE TRIGGER student_skills_update AFTER UPDATE ON student_skills
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION student_skills_changed();
CREATE TRIGGER student_skills_delete AFTER DELETE ON student_skills
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION student_skills_changed();
CREATE TRIGGER student_skills_truncate AFTER TRUNCATE ON student_skills
    FOR EACH STATEMENT EXECUTE FUNCTION student_skills_changed();

-- The students already there.
SELECT sync_student_skills(ARRAY(SELECT DISTINCT student_id FROM student_skills));
