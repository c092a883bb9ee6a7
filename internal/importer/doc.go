// Package importer reads students and internships from JSON lines or CSV
// files whose fields are those of the GraphQL create inputs, validates every
// line first, and then writes them all in one transaction (or, with
// SkipInvalid, the valid ones). It streams: files are read twice, never held
// in memory.
//
// CSV conventions: the header row names the fields; lists are separated by
// ";"; student skills are written "name:level" ("电解铝:3;casting:4"); an
// internship's required skills are "name:minLevel", with a trailing "!" for
// a must-have ("aluminium electrolysis:2!;data analysis:2"). Empty cells are
// absent fields. An internship names its partner in "partner" or "partnerId"
// by database id, global id or exact English or Chinese name.
package importer
