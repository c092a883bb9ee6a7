// Package matching is Crucible's talent matcher: a library that ranks
// students for internships, explains every rank, searches students in
// Chinese and English, and recommends internships to students.
//
// It imports only bleve and the standard library. Callers feed it documents
// (Student, Internship) through Apply (or ApplyBulk for a rebuild) and ask it
// questions (Shortlist, Search, Recommend); it knows nothing of storage or
// GraphQL.
//
// # Index
//
// Open opens or creates an on-disk bleve index; when the index is missing,
// corrupt or built with another MappingVersion, Open replaces it with an
// empty one and returns it together with ErrNeedsRebuild, so the caller
// refills it from the source of truth. NewMemory makes an in-memory index.
// Apply writes a Batch (students and internships upserted, deletions, and
// the change-feed position) as one bleve batch, so documents and position
// land together; Position reads the position back. Batches use bleve's
// unsafe_batch mode: Apply returns once the batch is searchable, Flush waits
// until everything applied is on disk, Close flushes. ApplyBulk applies
// batches two at a time for rebuilds and stores the highest position at the
// end; Compact merges the segments afterwards.
//
// Besides bleve, the index keeps every student and internship in memory: the
// canonical skills and features the ranking needs and a packed table of the
// fields the filters test. Re-ranking, filtering, facets and sorting never
// load stored fields from bleve; bleve stores the raw documents only to
// reload that memory when an index is reopened.
//
// # Shortlist
//
// Ranking has two stages. Retrieve: a bleve boolean query whose hard filters
// (visibility to a partner, graduation-year window, minimum GPA,
// availability overlapping the internship, accepted majors when required,
// not placed, and an optional city filter) are one non-scoring filter
// (AddFilter), and whose scored clauses, at least one of which must match,
// are the must-have skills with their parent and child skills, and the
// nice-to-have skills and the terms of the title, the names of the skills
// the vocabulary does not know, and the first 8 content words of the
// description that at most 5% of students hold, scored with BM25. The best window (max(200, 5 × (offset+first)), at most
// MaxWindow) by BM25, ties by id, goes to the second stage; when fewer
// students match, the window is filled from memory with the best-scoring
// students who pass the filters. TotalCount is the number of students who
// pass the hard filters, counted in memory with the same test.
//
// Re-rank: each candidate gets six named features in [0, 1]:
//
//   - skill_coverage: each requirement weighs 2 (must-have) or 1, times
//     1–2 by how rare the skill is among the students; it is met by the
//     skill itself or an alias or translation (exact, alias: 1 at or above
//     the minimum level, 0.8 × level/minimum below), by the same name once
//     case, punctuation, "&", parentheses, versions and plurals are set
//     aside ("R or Java" as choices), by a parent or child skill (related:
//     half), or by a skill sharing its words ("data analytics" for "data
//     analysis"; partial: up to 0.6, only where the vocabulary does not
//     know both). Entry.SkillMatches says, per requirement, which skill of
//     the student met it, how and how much (skills.go).
//   - text_relevance: BM25 of each part of the internship (title, required
//     skills, description) against each part of the student (statement;
//     skills as written and canonical; major, courses and certificates; Han
//     text as bigrams), computed in memory over the window from the
//     students' term bags and the index's field statistics, each pair
//     divided by its best candidate's and the pairs averaged with weights
//     (the title against the statement most, a word deep in a description
//     least; textrank.go). Students who match nothing have 0.
//   - major_fit: 1 for a preferred or accepted major, 0.5 when the
//     internship names no majors, else 0.
//   - academics: GPA / 4 (0.5 without a GPA).
//   - group_affinity: the share of the asked signals the student has:
//     interned with the group before, linked to it as an alumnus, prefers
//     the internship's city or a preferred city.
//   - availability_fit: the share of the internship's days the student is
//     available.
//
// The default weights (35, 50, 15, 10, 10, 10 in this order) were fitted on
// a labelled set of real resumes and postings (crucible eval --fit) and
// bounded by the bilingual fixtures; see BENCHMARKS.md and
// docs/decisions.md. The score is Σ wᵢ·vᵢ with the weights normalised to
// sum to 1 (negative
// weights count as 0); weights, values and contributions are rounded to six
// decimals and the score is the sum of the rounded contributions, so an
// explanation adds up exactly. Ties break by student id (numerically when
// both ids are numbers), so the same data always give the same order.
// Cursors are opaque: a rank offset with a hash of the request, so a cursor
// of another internship or other priorities is refused with ErrBadCursor.
//
// # Search
//
// Bleve matches and scores free text (BM25): the non-Han part of the query
// against the English-analysed text field (statement, courses, certificates
// and skill names; every word must match), the Han part against the
// CJK-analysed one (every bigram must match), and the canonical skills the text names through the vocabulary
// ("电解铝" finds students with aluminium electrolysis). Every match is
// collected with its score by a custom document-match handler; the filters
// (visibility included), facets, order (relevance, GPA, graduation year or
// name, ties by id) and paging then work on the in-memory table, so totals
// and facets count exactly the students the viewer may see. Cursors hold
// the sort key of the last hit (keyset paging, as bleve's SearchAfter), so a
// deep page costs what the first does. An empty query matches every student
// without touching bleve. Highlights are HTML fragments (<mark>) of the
// page's statements.
//
// # Recommend
//
// Recommend ranks the open internships whose hard filters a student passes
// with the same features and explanations; text relevance is the share of
// an internship's title terms found in the student's text.
//
// # Fairness
//
// Protected attributes (gender, ethnicity, birthplace, age) are not in the
// types at all, so they can never become features or filters.
//
// # Text and vocabulary
//
// Text is indexed by script: Latin text with the English analyser, Han text
// with bleve's CJK analyser (overlapping bigrams, no dictionary needed). The
// skill vocabulary (vocabulary.json, embedded) maps aliases and translations
// to canonical skills and knows their hierarchy; students' and internships'
// skills are canonicalised through it, and queries are expanded through it
// rather than indexing every alias as text.
package matching
