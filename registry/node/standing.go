package node

import (
	"errors"
	"sync/atomic"
)

// standingGuard orders an audit's auditor check (checkAuditors, which
// reads the committed store, outside the write pipeline) against this
// node's writes that change an auditor's standing: the auditor record,
// its discipline and QA reviews. Re-judging the standing inside the
// commit would read every log an auditor is judged by (its replicas too)
// while the writer waits; instead the audit's write checks, where it is
// ordered, that no standing write was in flight or returned since its
// check began, and else is checked again (guardedAudit). The cost is two
// atomic loads a write; a standing write makes concurrent audits (of any
// auditor: such writes are rare) check once more.
//
// A standing write counts as in flight from before it is queued until
// its commit returned (committed, and so read by any check begun after
// it, or failed); done is bumped before inflight drops, so an audit that
// sees none in flight and done unchanged began its check after every
// standing write ordered before it had committed. Peers' records reach
// the node by sync, in no order with its own feed: a peer's suspension is
// read by the audits checked after the sync, as before.
type standingGuard struct {
	inflight atomic.Int64
	done     atomic.Uint64
}

// begin counts a write that changes an auditor's standing as in flight,
// from before it is queued; the function it returns ends it, once the
// write returned (defer n.standing.begin()()).
func (g *standingGuard) begin() func() {
	g.inflight.Add(1)
	return func() {
		g.done.Add(1)
		g.inflight.Add(-1)
	}
}

// mark is the guard's state before a check.
func (g *standingGuard) mark() uint64 { return g.done.Load() }

// moved reports, inside a write's mutation, whether a standing write was
// in flight or returned since mark.
func (g *standingGuard) moved(mark uint64) bool {
	return g.inflight.Load() != 0 || g.done.Load() != mark
}

// errStandingMoved is what an audit's mutation returns when an auditor's
// standing may have changed since it was checked (guardedAudit).
var errStandingMoved = errors.New("an auditor's standing changed while the audit was checked")

// maxStandingTries bounds how many times an audit is checked again
// because standing writes kept landing meanwhile.
const maxStandingTries = 5
