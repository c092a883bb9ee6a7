// Package indexsync keeps a matching.Index in step with PostgreSQL and
// answers ranking and search questions in domain terms.
//
// PostgreSQL is the source of truth; the index is a read model. The
// Follower reads the change feed (internal/postgres/feed.go) from the
// watermark stored inside the index, reloads the current rows of the
// entities that changed, and applies them with the new watermark in the
// same bleve batch. It wakes on LISTEN/NOTIFY and also polls, so a lost
// notification costs only latency. Each server process follows the feed
// with its own index; nothing is consumed. An index that is missing,
// corrupt, of another mapping version, or older than the pruned part of the
// feed is rebuilt from PostgreSQL on start.
//
// Service converts between coop and matching types: it loads internships
// and hiring priorities, scopes partners' questions to what they may see,
// and turns the matcher's answers back into domain values.
package indexsync
