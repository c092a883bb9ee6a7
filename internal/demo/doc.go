// Package demo makes Crucible's demo data: the story of a vanadium–titanium
// metallurgy college and its cooperation with an aluminium group (LoadDemo),
// and deterministic synthetic students at any scale (SeedStudents), for
// trying the product and for benchmarks.
package demo
