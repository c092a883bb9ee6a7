// Package coop is Crucible's domain: the cooperation record between a
// university college and its enterprise partners.
//
// It holds the domain types (partners, agreements, sites, students, alumni,
// internships, applications, hiring priorities), their validation rules, the
// application state machine, the viewer (who is asking) and the one error type
// with a machine-readable code that every layer above classifies once, at the
// edge. It imports only the standard library; storage and transport adapters
// live in other packages and depend on this one, never the other way round.
package coop
