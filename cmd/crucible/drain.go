package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"
)

// drain shuts a server down without losing work, in this order: /readyz
// already says 503 (the caller set draining), and for delay the server
// still takes requests while load balancers notice; then the listener
// closes and the requests in flight finish (15 s at most), with the
// follower still running, so that mutations among them still wait for
// their own writes in the index; then the follower applies what was
// committed up to now, stops, and the index reaches the disk. A restart
// resumes from there instead of rebuilding. It returns an error when
// requests had to be cut off.
func drain(srv *http.Server, s *search, delay time.Duration, log *slog.Logger) error {
	log.Info("shutting down: draining requests", "delay", delay)
	if delay > 0 {
		time.Sleep(delay)
	}
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	var drainErr error
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		drainErr = fmt.Errorf("requests still running after 15 s were cut off: %w", err)
		log.Error("shutting down", "err", drainErr)
		srv.Close()
	}
	log.Info("shutting down: requests drained; bringing the search index up to date")
	if s.follower.Ready() == nil {
		wctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := s.follower.WaitForWrites(wctx, 5*time.Second)
		cancel()
		if err != nil {
			log.Warn("search index: not up to date at shutdown; the next start catches up from the change feed", "err", err)
		}
	}
	s.close()
	return drainErr
}
