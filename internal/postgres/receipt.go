package postgres

import (
	"context"
	"sync/atomic"
)

// A WriteReceipt collects the change-feed ids of the transactions that one
// request's writes committed in, so that waiting for the search index to
// show them (read-your-writes) needs no further query: a follower shows a
// transaction's changes once its position is past the transaction's id.
type WriteReceipt struct{ xid atomic.Uint64 }

type receiptKey struct{}

// WithWriteReceipt returns a context whose writes note their transaction
// ids in a new receipt.
func WithWriteReceipt(ctx context.Context) context.Context {
	return context.WithValue(ctx, receiptKey{}, &WriteReceipt{})
}

// ReceiptFrom returns the context's receipt, or nil.
func ReceiptFrom(ctx context.Context) *WriteReceipt {
	r, _ := ctx.Value(receiptKey{}).(*WriteReceipt)
	return r
}

// Mark returns the position a follower must reach to show every change the
// receipt noted (the newest transaction's id + 1), or 0 when it noted none.
func (r *WriteReceipt) Mark() uint64 {
	if r == nil {
		return 0
	}
	if x := r.xid.Load(); x > 0 {
		return x + 1
	}
	return 0
}

func (r *WriteReceipt) note(xid uint64) {
	if r == nil {
		return
	}
	for {
		old := r.xid.Load()
		if xid <= old || r.xid.CompareAndSwap(old, xid) {
			return
		}
	}
}
