// Package indexsync keeps a matching.Index in step with PostgreSQL, and
// does nothing else: the questions asked of the index are answered by
// coop.ShortlistService through the internal/ranker adapter.
//
// PostgreSQL is the source of truth; the index is a read model. The
// Follower reads the change feed (internal/postgres/feed.go) from the
// watermark stored inside the index, reloads the current rows of the
// entities that changed, and applies them with the new watermark in the
// same bleve batch. It wakes on LISTEN/NOTIFY and also polls, so a lost
// notification costs only latency. Each server process follows the feed
// with its own index; nothing is consumed. OpenIndex opens a server's index
// on start: one that is missing, corrupt, of another mapping version, never
// completely built, or older than the pruned part of the feed is replaced by
// an empty one, which the follower rebuilds from PostgreSQL. Behind a
// connection pooler in transaction mode the follower runs with NoListen and
// only polls. Wait lets a server stop the follower before closing the index.
package indexsync
