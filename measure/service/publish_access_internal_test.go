package service

import (
	"context"
	"errors"
	"testing"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// Publishing the aggregate reads claims data: a CP token, even one given
// metrics:write, is refused before anything is read, whether the year has
// data or not, so that the answer tells it nothing about the claims; the
// administrator without the scope is refused too.
func TestPublishIsTheAdministratorsBeforeAnyClaimsAreRead(t *testing.T) {
	ctx := context.Background()
	n := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true})
	s := New(Config{Node: n.Node})
	cp := node.Principal{Subject: "cp-acsa", Role: node.RoleCP, CP: "ACSA", Scopes: []string{node.ScopeMetrics}}
	admin := nodetest.Admin()
	admin.Scopes = []string{node.ScopeSnapshotsRead}
	for _, tc := range []struct {
		name string
		p    node.Principal
		year int
	}{
		{"CP with the scope, year without data", cp, 2024},
		{"CP with the scope, a year far off", cp, 1990},
		{"administrator without the scope", admin, 2024},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before, err := n.Size(ctx)
			if err != nil {
				t.Fatal(err)
			}
			_, err = s.Publish(ctx, tc.p, tc.year, PublishOptions{})
			if !errors.Is(err, registry.ErrForbidden) {
				t.Fatalf("Publish = %v; want ErrForbidden", err)
			}
			if got, _ := n.Size(ctx); got != before {
				t.Fatalf("feed grew from %d to %d", before, got)
			}
		})
	}
}
