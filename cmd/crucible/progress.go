package main

import (
	"io"
	"os"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// newProgress returns a function that reports progress: a bar on a
// terminal, nothing otherwise. Calling it with -1 finishes the bar.
func newProgress(w io.Writer, total int64, what string) func(done int64) {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return func(int64) {}
	}
	bar := progressbar.NewOptions64(total, progressbar.OptionSetWriter(w), progressbar.OptionSetDescription(what),
		progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionThrottle(100_000_000),
		progressbar.OptionClearOnFinish())
	return func(done int64) {
		if done < 0 {
			_ = bar.Finish()
			return
		}
		_ = bar.Set64(done)
	}
}
