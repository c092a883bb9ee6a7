-- Export requests behind download links: which list, asked with which
-- token, until when. The link's id is random; a download re-checks the
-- token (revoked or expired since: refused) and the expiry.
CREATE TABLE exports (
    id          text PRIMARY KEY,
    token_id    bigint NOT NULL REFERENCES tokens (id) ON DELETE CASCADE,
    list        text NOT NULL CHECK (list IN ('STUDENTS', 'INTERNSHIPS', 'APPLICATIONS', 'COMMITMENTS', 'EVENTS', 'SHORTLIST')),
    args        jsonb NOT NULL DEFAULT '{}',
    expires_at  timestamptz NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX exports_expires_idx ON exports (expires_at);
