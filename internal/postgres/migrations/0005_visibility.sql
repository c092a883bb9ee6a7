-- Visibility on every path (docs/decisions.md, "One visibility rule").
--
-- Alumni now consent to being shown, as students do: off for new records,
-- so that an alumnus's employer, position, story and feedback reach other
-- students, alumni and partners only once they agree. The career office
-- sees every record regardless.
ALTER TABLE alumni ADD COLUMN consent_to_share boolean NOT NULL DEFAULT false;

-- A saved shortlist remembers the partner of the token that saved it, so
-- that its total is shown to a partner reader only when the saver could
-- see no more than the reader can (a list saved by the career office or by
-- another part of the group counts students the reader may not see).
ALTER TABLE shortlists ADD COLUMN saved_by_partner bigint REFERENCES partners (id) ON DELETE SET NULL;
UPDATE shortlists l SET saved_by_partner = t.partner_id FROM tokens t WHERE t.id = l.saved_by_token;
