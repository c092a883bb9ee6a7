package main

import "runtime/debug"

// serveGCPercent is the garbage collector's target that serve sets when the
// GOGC environment variable does not set one. Most of a server's heap is
// its search index, which lives as long as the process, while requests
// allocate quickly and briefly; with Go's default of 100 the collector ran
// about twice as often and took an eighth of the CPU under the mixed load
// (BENCHMARKS.md). 200 lets the heap grow to three times the live data
// between collections (about 0.5 GiB more at 100,000 students). GOGC, and
// GOMEMLIMIT for a hard ceiling, still win when set.
const serveGCPercent = 200

// tuneGC applies serveGCPercent unless GOGC is set, and returns the
// percentage in force.
func tuneGC(getenv func(string) string) int {
	if getenv("GOGC") != "" {
		old := debug.SetGCPercent(100)
		debug.SetGCPercent(old)
		return old
	}
	debug.SetGCPercent(serveGCPercent)
	return serveGCPercent
}
