// Package postgres implements Crucible's coop services on PostgreSQL with
// pgx/v5: the schema and its embedded migrations, the stores for every
// entity, keyset pagination with opaque cursors, the batch lookups behind the
// GraphQL dataloaders, and bulk loading with COPY.
//
// Every exported method that writes owns one transaction, records a change
// row for the search index in that same transaction where the index cares,
// and maps PostgreSQL errors to coop errors by SQLSTATE.
package postgres
