// Package matching is Crucible's talent matcher: a library that ranks
// students for internships, explains every rank, searches students in
// Chinese and English, and recommends internships to students.
//
// It imports only bleve and the standard library. Callers feed it documents
// (Student, Internship) through Batch and ask it questions (Shortlist,
// Search, Recommend); it knows nothing of storage or GraphQL.
//
// Ranking has two stages. Retrieve: a bleve boolean query whose hard filters
// (visibility, graduation-year window, minimum GPA, availability overlapping
// the internship, accepted majors, not already placed) are required and whose
// skills and title terms are optional, scored with BM25, returns a window of
// candidates several times the page size. Re-rank: each candidate gets named
// features in [0, 1] computed from data held in memory — skill_coverage,
// text_relevance, major_fit, academics, group_affinity, availability_fit —
// and the score is their weighted mean, so that the contributions (weight ×
// value, with weights normalised to sum to 1) add up to the score exactly.
// Ties break by student id, so the same data always give the same order.
//
// Protected attributes (gender, ethnicity, birthplace, age) are not in the
// types at all, so they can never become features.
//
// Text is indexed twice: with the English analyser and with bleve's CJK
// analyser (overlapping bigrams, no dictionary needed). The skill vocabulary
// (vocabulary.json) maps aliases and translations to canonical skills;
// students' and internships' skills are canonicalised through it, every name
// of a skill is indexed with the student, and a parent or child skill counts
// as a partial match.
package matching
