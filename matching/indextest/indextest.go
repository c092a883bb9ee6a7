// Package indextest damages search index directories the way a disk or a
// crash can, for the tests that check that a damaged index is rebuilt
// rather than trusted (matching, indexsync, and the server's fault tests).
package indextest

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
)

// CorruptStoredFields overwrites the table of stored documents of every
// segment of the index in dir, so that reading a document back makes bleve
// index out of range (a panic). It knows zap v17's footer: the table's
// offset is 28 bytes from the end of a segment, the number of documents 36.
func CorruptStoredFields(tb testing.TB, dir string) {
	tb.Helper()
	zaps, _ := filepath.Glob(filepath.Join(dir, "store", "*.zap"))
	if len(zaps) == 0 {
		tb.Fatal("no segment to corrupt")
	}
	for _, z := range zaps {
		b, err := os.ReadFile(z)
		if err != nil {
			tb.Fatal(err)
		}
		if v := binary.BigEndian.Uint32(b[len(b)-8:]); v != 17 {
			tb.Fatalf("segment format %d: this helper knows only zap v17's footer", v)
		}
		stored := binary.BigEndian.Uint64(b[len(b)-28:])
		docs := binary.BigEndian.Uint64(b[len(b)-36:])
		for i := stored; i < stored+8*docs && i < uint64(len(b)); i++ {
			b[i] = 0xff
		}
		if err := os.WriteFile(z, b, 0o600); err != nil {
			tb.Fatal(err)
		}
	}
}
