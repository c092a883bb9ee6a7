// Package importer is the engine behind "crucible import students FILE" and
// "crucible import internships FILE": it reads students or internships from
// JSON lines or CSV, validates every line, and then writes them all in one
// transaction, or, with Options.SkipInvalid, the valid ones.
//
// # Fields
//
// A line's fields are those of the GraphQL create inputs, named exactly
// (case-sensitive): CreateStudentInput for students, CreateInternshipInput
// for internships. An internship names its partner in "partnerId" or, the
// same thing, "partner": by database id, by global id (as the API gives
// it) or by exact English or Chinese name. "siteId" is a database or
// global id, and the site must belong to the partner. Absent fields take
// the input's defaults (an internship has one slot and is DRAFT; a required
// skill's minimum level is 1). Unknown fields and wrong types are errors of
// the line.
//
// # JSON lines
//
// One JSON object per line (.jsonl, .ndjson, .json); blank lines are
// skipped. Dates are strings YYYY-MM-DD; ids may be strings or numbers.
//
//	{"studentNumber":"2022010101","name":"林小雨","enrolmentYear":2022,"graduationYear":2026,"skills":[{"skill":"电解铝","level":3}]}
//
// # CSV
//
// The header row names the columns, each a field name; an unknown or
// repeated column makes the whole file unreadable (ErrBadFile), so that a
// misspelt column cannot silently drop data. An empty cell is an absent
// field. Then:
//
//   - lists are separated by ";": "Kunming;Chengdu";
//   - student skills are "name:level" items: "电解铝:3;casting:4";
//   - required skills are "name:minLevel" items, with a trailing "!" for a
//     must-have: "aluminium electrolysis:2!;data analysis:2"; the level may
//     be left out ("casting!" is level 1, must-have);
//   - the split is at the last ":", so a skill name may contain ":" when
//     the level is written;
//   - the full-width "；", "：" and "！" are accepted as well, for text typed
//     with a Chinese input method;
//   - booleans are true/false (also yes/no, 1/0), numbers are plain
//     ("3.25"), dates YYYY-MM-DD.
//
// A list item cannot contain ";".
//
// # Validation and writing
//
// The file is read twice and never held in memory. The first pass checks
// every line: the fields and their types, coop's Normalize and Validate,
// student numbers repeated within the file or already in the database, and
// an internship's partner and site. Each bad line is reported once with its
// line number (physical lines from 1; a CSV header is line 1), the field or
// fields at fault and the reasons. If any line is bad and SkipInvalid is
// not set, nothing is written (ErrInvalid).
//
// The second pass writes the valid lines in one transaction: students with
// COPY in batches (Options.BatchSize), internships one by one. If the
// database refuses a record (say a student number that someone added
// meanwhile), the transaction is rolled back, nothing is written, and the
// *WriteError names the line. If the file changed between the passes
// (its SHA-256 differs) nothing is written either (ErrFileChanged).
package importer
