package node

import (
	"context"
	"errors"

	"github.com/corfed/corfed/registry"
)

// Expectation is the version of one record a write was made from: the
// write commits only if, when it is staged (in queue order, after every
// write ordered before it), that record's newest version is still Ver.
// Ver 0 means the record must not exist yet. This is what makes an HTTP
// If-Match (or If-None-Match: *) hold against a concurrent write: the
// edge compares the client's tag with the record as it reads it, and the
// pipeline checks the version it read is still the newest where writes
// are serialized.
type Expectation struct {
	Kind registry.Kind
	ID   string
	Ver  uint64
	// Refuse, when set, is why the condition already failed where it was
	// compared (the edge): the write is refused with it (ErrPrecondition)
	// when it reaches the record, after every check that comes first (the
	// caller's authority, the input), as RFC 9110 orders them. Refuse is
	// a format (with a French entry in registry/msgfr) of RefuseArgs.
	Refuse     string
	RefuseArgs []any
}

type expectKey struct{}

// WithExpectation returns ctx carrying x: every write committed under ctx
// to x's record checks it (writes to other records are unaffected).
func WithExpectation(ctx context.Context, x Expectation) context.Context {
	return context.WithValue(ctx, expectKey{}, &x)
}

func expectationFrom(ctx context.Context) *Expectation {
	x, _ := ctx.Value(expectKey{}).(*Expectation)
	return x
}

// check returns an error wrapping registry.ErrPrecondition unless the
// record's newest version (prev, nil when it has none) is x's.
func (x *Expectation) check(kind registry.Kind, id string, prev *registry.Entry) error {
	if x == nil || x.Kind != kind || x.ID != id {
		return nil
	}
	if x.Refuse != "" {
		return registry.Precondition(x.Refuse, x.RefuseArgs...)
	}
	var ver uint64
	if prev != nil {
		ver = prev.Ver
	}
	switch {
	case ver == x.Ver:
		return nil
	case x.Ver == 0:
		return registry.Precondition("%s %s exists (version %d)", kind, id, ver)
	case ver == 0:
		return registry.Precondition("%s %s does not exist", kind, id)
	}
	return registry.Precondition("%s %s is at version %d, not %d: it changed since", kind, id, ver, x.Ver)
}

// checkExpectation checks ctx's expectation, if it names (kind, id),
// against the record's newest committed version, for a write that changes
// other records before that one (an Employer Review step that suspends the
// certificate first): it must not change them when its own record's
// condition fails. The pipeline checks it again where writes are ordered.
func (n *Node) checkExpectation(ctx context.Context, kind registry.Kind, id string) error {
	x := expectationFrom(ctx)
	if x == nil || x.Kind != kind || x.ID != id {
		return nil
	}
	var prev *registry.Entry
	switch e, err := n.Record(ctx, kind, id); {
	case err == nil:
		prev = &e
	case !errors.Is(err, registry.ErrNotFound):
		return err
	}
	return x.check(kind, id, prev)
}
