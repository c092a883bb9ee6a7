// Package synth generates deterministic synthetic student profiles of a
// vanadium–titanium metallurgy college (metallurgy of aluminium, vanadium and
// titanium, casting, refining, mineral processing, materials testing,
// automation, safety), in English and Chinese, for demos and benchmarks. It
// imports only the standard library; skill names are canonical names of the
// matching vocabulary.
package synth
