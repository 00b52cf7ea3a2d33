package node

import (
	"context"
	"fmt"

	"github.com/corfed/corfed/registry"
)

type principalKey struct{}

// WithPrincipal returns ctx carrying p: the HTTP edge calls it for every
// authenticated write, so that whatever the write, the version it commits
// records its author (registry.Envelope.By) and the node's authority
// checks (see authorize) apply.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the principal WithPrincipal put in ctx, or the zero
// Principal (the node itself: seeds, key announcements).
func PrincipalFrom(ctx context.Context) Principal {
	p, _ := ctx.Value(principalKey{}).(Principal)
	return p
}

// authorize is the check every write passes, whatever it writes, as of
// the feed it is staged on: a certifying partner writes only while it is a
// registered, active CP of this node (a suspended or terminated CP writes
// nothing). Per-record rules (whose certificate, whose employer) are the
// write methods'.
func authorize(l feedReader, by *registry.Author) error {
	if by == nil || by.Role != RoleCP {
		return nil
	}
	e, ok, err := exists(l, registry.KindCP, by.CP)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%s is not a certifying partner of this node: %w", by.CP, registry.ErrForbidden)
	}
	cp, err := decode[registry.CertifyingPartner](e)
	if err != nil {
		return err
	}
	if cp.Status != registry.CPActive {
		return fmt.Errorf("certifying partner %s is %s: it may not write: %w", by.CP, cp.Status, registry.ErrForbidden)
	}
	return nil
}
