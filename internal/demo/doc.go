// Package demo makes Crucible's demo data and synthetic students at scale.
//
// LoadDemo tells the story of the first cooperation Crucible serves, in
// English and Chinese: the Vanadium and Titanium College (钒钛学院) in
// Panzhihua signs an agreement (ACTIVE, signed on 28 August 2025) with the
// Yunhai Aluminium Group, whose electrolytic-aluminium smelter (pretreatment,
// electrolysis and refining workshops) and casting plant are internship and
// training bases, which gives graduates priority in hiring, and which builds
// an industrial college and a research platform with the college. An
// unrelated titanium-dioxide group is there too, so that partners' views can
// be told apart. The story has open internships with required skills,
// hiring priorities (the group's, inherited by its plants, and one
// internship's own), alumni with curriculum feedback, synthetic and
// hand-written students, and applications in every status. The serve
// command loads it on the first start (HasDemo) and makes persona tokens
// from the Summary's ids.
//
// SeedStudents loads any number of deterministic synthetic students, with
// COPY, for benchmarks. The students themselves come from
// matching/synth; this package converts them to coop.Student and numbers
// them.
package demo
