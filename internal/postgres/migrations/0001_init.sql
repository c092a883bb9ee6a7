-- The cooperation record: partners, agreements, sites, students, alumni,
-- internships, applications and hiring priorities.

CREATE TABLE partners (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    name_zh     text NOT NULL DEFAULT '',
    kind        text NOT NULL CHECK (kind IN ('GROUP', 'COMPANY', 'PLANT', 'INSTITUTE')),
    parent_id   bigint REFERENCES partners (id) ON DELETE RESTRICT,
    industry    text NOT NULL DEFAULT '',
    city        text NOT NULL DEFAULT '',
    contacts    jsonb NOT NULL DEFAULT '[]',
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT partners_name_key UNIQUE (name),
    CONSTRAINT partners_not_own_parent CHECK (parent_id IS DISTINCT FROM id)
);
CREATE INDEX partners_parent_idx ON partners (parent_id);

-- A partner may not become its own ancestor. The check walks up from the new
-- parent; the tree is shallow (group → company → plant), so this is cheap.
CREATE FUNCTION partners_no_cycle() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.parent_id IS NULL THEN
        RETURN NEW;
    END IF;
    IF EXISTS (
        WITH RECURSIVE up(id, parent_id) AS (
            SELECT id, parent_id FROM partners WHERE id = NEW.parent_id
            UNION
            SELECT p.id, p.parent_id FROM partners p JOIN up ON p.id = up.parent_id
        )
        SELECT 1 FROM up WHERE id = NEW.id
    ) THEN
        RAISE EXCEPTION 'partner % cannot be placed under its own descendant %', NEW.id, NEW.parent_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'partners_no_cycle';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER partners_no_cycle BEFORE INSERT OR UPDATE OF parent_id ON partners
    FOR EACH ROW EXECUTE FUNCTION partners_no_cycle();

CREATE TABLE agreements (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    partner_id   bigint NOT NULL REFERENCES partners (id) ON DELETE RESTRICT,
    college      text NOT NULL,
    title        text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    signed_on    date,
    valid_from   date NOT NULL,
    valid_until  date,
    status       text NOT NULL CHECK (status IN ('DRAFT', 'ACTIVE', 'EXPIRED', 'TERMINATED')),
    scopes       text[] NOT NULL DEFAULT '{}' CHECK (scopes <@ ARRAY['INTERNSHIP_BASE', 'TRAINING_BASE',
                     'EMPLOYMENT_PRIORITY', 'INDUSTRIAL_COLLEGE', 'RESEARCH_PLATFORM', 'JOINT_RESEARCH',
                     'GUEST_TEACHING']),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT agreements_dates_ordered CHECK (valid_until IS NULL OR valid_from <= valid_until)
);
CREATE INDEX agreements_partner_idx ON agreements (partner_id);

CREATE TABLE sites (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    partner_id     bigint NOT NULL REFERENCES partners (id) ON DELETE RESTRICT,
    name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    name_zh        text NOT NULL DEFAULT '',
    kind           text NOT NULL CHECK (kind IN ('WORKSHOP', 'PRODUCTION_LINE', 'TRAINING_BASE', 'LABORATORY')),
    process_areas  text[] NOT NULL DEFAULT '{}',
    city           text NOT NULL DEFAULT '',
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sites_partner_idx ON sites (partner_id);

CREATE TABLE students (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    student_number      text NOT NULL CHECK (length(student_number) BETWEEN 1 AND 40),
    name                text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    college             text NOT NULL DEFAULT '',
    major               text NOT NULL DEFAULT '',
    enrolment_year      integer NOT NULL CHECK (enrolment_year BETWEEN 1950 AND 2100),
    graduation_year     integer NOT NULL CHECK (graduation_year BETWEEN 1950 AND 2100),
    gpa                 numeric(3, 2) CHECK (gpa BETWEEN 0 AND 4),
    courses             text[] NOT NULL DEFAULT '{}',
    certificates        text[] NOT NULL DEFAULT '{}',
    languages           text[] NOT NULL DEFAULT '{}',
    preferred_cities    text[] NOT NULL DEFAULT '{}',
    statement           text NOT NULL DEFAULT '',
    available_from      date,
    available_until     date,
    consent_to_share    boolean NOT NULL DEFAULT false,
    consent_updated_at  timestamptz,
    email               text NOT NULL DEFAULT '',
    phone               text NOT NULL DEFAULT '',
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT students_student_number_key UNIQUE (student_number),
    CONSTRAINT students_years_ordered CHECK (enrolment_year <= graduation_year),
    CONSTRAINT students_availability_ordered CHECK (available_until IS NULL OR available_from IS NULL OR available_from <= available_until)
);
CREATE INDEX students_graduation_year_idx ON students (graduation_year, id);
CREATE INDEX students_major_idx ON students (major, id);
CREATE INDEX students_name_idx ON students (name, id);

CREATE TABLE student_skills (
    student_id  bigint NOT NULL REFERENCES students (id) ON DELETE CASCADE,
    skill       text NOT NULL CHECK (length(skill) BETWEEN 1 AND 100),
    level       smallint NOT NULL CHECK (level BETWEEN 1 AND 5),
    PRIMARY KEY (student_id, skill)
);
CREATE INDEX student_skills_skill_idx ON student_skills (skill, level);

CREATE TABLE alumni (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    student_id           bigint REFERENCES students (id) ON DELETE SET NULL,
    name                 text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    graduation_year      integer NOT NULL CHECK (graduation_year BETWEEN 1950 AND 2100),
    major                text NOT NULL DEFAULT '',
    employer_id          bigint REFERENCES partners (id) ON DELETE SET NULL,
    position             text NOT NULL DEFAULT '',
    joined_on            date,
    growth_story         text NOT NULL DEFAULT '',
    curriculum_feedback  text NOT NULL DEFAULT '',
    curriculum_rating    smallint CHECK (curriculum_rating BETWEEN 1 AND 5),
    willing_to_mentor    boolean NOT NULL DEFAULT false,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT alumni_student_id_key UNIQUE (student_id)
);
CREATE INDEX alumni_employer_idx ON alumni (employer_id);

CREATE TABLE internships (
    id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    partner_id            bigint NOT NULL REFERENCES partners (id) ON DELETE RESTRICT,
    site_id               bigint REFERENCES sites (id) ON DELETE SET NULL,
    title                 text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    description           text NOT NULL DEFAULT '',
    majors                text[] NOT NULL DEFAULT '{}',
    majors_required       boolean NOT NULL DEFAULT false,
    min_gpa               numeric(3, 2) CHECK (min_gpa BETWEEN 0 AND 4),
    graduation_year_from  integer,
    graduation_year_to    integer,
    slots                 integer NOT NULL DEFAULT 1 CHECK (slots BETWEEN 1 AND 10000),
    start_date            date,
    end_date              date,
    city                  text NOT NULL DEFAULT '',
    status                text NOT NULL CHECK (status IN ('DRAFT', 'OPEN', 'CLOSED', 'FILLED')),
    leads_to_employment   boolean NOT NULL DEFAULT false,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT internships_dates_ordered CHECK (start_date IS NULL OR end_date IS NULL OR start_date <= end_date),
    CONSTRAINT internships_years_ordered CHECK (graduation_year_from IS NULL OR graduation_year_to IS NULL
        OR graduation_year_from <= graduation_year_to)
);
CREATE INDEX internships_partner_idx ON internships (partner_id, id);
CREATE INDEX internships_status_idx ON internships (status, id);

CREATE TABLE internship_skills (
    internship_id  bigint NOT NULL REFERENCES internships (id) ON DELETE CASCADE,
    skill          text NOT NULL CHECK (length(skill) BETWEEN 1 AND 100),
    min_level      smallint NOT NULL CHECK (min_level BETWEEN 1 AND 5),
    must_have      boolean NOT NULL DEFAULT false,
    PRIMARY KEY (internship_id, skill)
);

CREATE TABLE applications (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    student_id     bigint NOT NULL REFERENCES students (id) ON DELETE CASCADE,
    internship_id  bigint NOT NULL REFERENCES internships (id) ON DELETE CASCADE,
    status         text NOT NULL CHECK (status IN ('APPLIED', 'SHORTLISTED', 'INTERVIEWING', 'OFFERED', 'ACCEPTED',
                       'COMPLETED', 'HIRED', 'REJECTED', 'DECLINED', 'WITHDRAWN')),
    motivation     text NOT NULL DEFAULT '',
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT applications_student_internship_key UNIQUE (student_id, internship_id)
);
CREATE INDEX applications_internship_idx ON applications (internship_id, id);
CREATE INDEX applications_student_idx ON applications (student_id, id);

CREATE TABLE application_events (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    application_id  bigint NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    from_status     text,
    to_status       text NOT NULL,
    actor           text NOT NULL DEFAULT '',
    note            text NOT NULL DEFAULT '',
    at              timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX application_events_application_idx ON application_events (application_id, id);

-- Hiring priorities: one row per partner (internship_id NULL) and optionally
-- one per internship. Subsidiaries inherit the nearest ancestor's row.
CREATE TABLE hiring_priorities (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    partner_id           bigint NOT NULL REFERENCES partners (id) ON DELETE CASCADE,
    internship_id        bigint REFERENCES internships (id) ON DELETE CASCADE,
    weights              jsonb NOT NULL DEFAULT '{}',
    preferred_majors     text[] NOT NULL DEFAULT '{}',
    preferred_cities     text[] NOT NULL DEFAULT '{}',
    prefer_group_interns boolean NOT NULL DEFAULT false,
    prefer_alumni        boolean NOT NULL DEFAULT false,
    updated_at           timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT hiring_priorities_scope_key UNIQUE NULLS NOT DISTINCT (partner_id, internship_id)
);
