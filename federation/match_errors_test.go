package federation_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// locations returns the field of every validation error err holds, in
// order, or fails when err is no validation error.
func locations(t *testing.T, err error) []string {
	t.Helper()
	fs := registry.Fields(err)
	if fs == nil {
		t.Fatalf("got %v, want validation errors", err)
	}
	return fs
}

// TestMatchRowReportsEveryProblem: a row's problems are reported at once,
// each at its own location.
func TestMatchRowReportsEveryProblem(t *testing.T) {
	tests := []struct {
		name string
		row  federation.MatchRow
		want []string
	}{
		{"bn, name and jurisdiction", federation.MatchRow{BN: "123456789", Name: "--", Jurisdiction: "CA-XX"},
			[]string{"body.rows[0].bn", "body.rows[0].name", "body.rows[0].jurisdiction"}},
		{"wcb account and jurisdiction", federation.MatchRow{WCBAccount: "--", Jurisdiction: "AB"},
			[]string{"body.rows[0].wcb_account", "body.rows[0].jurisdiction"}},
		{"nothing to match, in a bad jurisdiction", federation.MatchRow{Jurisdiction: "AB"},
			[]string{"body.rows[0]", "body.rows[0].jurisdiction"}},
		{"wcb account in a bad province", federation.MatchRow{WCBAccount: "--", WCBJurisdiction: "AB"},
			[]string{"body.rows[0].wcb_account", "body.rows[0].wcb_jurisdiction"}},
		{"a province of no wcb account", federation.MatchRow{BN: "123456789", WCBJurisdiction: "CA-AB"},
			[]string{"body.rows[0].bn", "body.rows[0].wcb_jurisdiction"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := locations(t, tc.row.Validate("body.rows[0]")); !slices.Equal(got, tc.want) {
				t.Errorf("got %s, want %s", strings.Join(got, " "), strings.Join(tc.want, " "))
			}
		})
	}
}

// TestMatchReportsEveryBadRow: Match refuses rows with every problem of
// every row at once.
func TestMatchReportsEveryBadRow(t *testing.T) {
	n := nodetest.New(t, "CA-AB", nodetest.Options{})
	fed, err := federation.New(federation.Config{Node: n.Node})
	if err != nil {
		t.Fatal(err)
	}
	rows := []federation.MatchRow{{BN: "812345676"}, {BN: "1", Jurisdiction: "AB"}, {Name: "Acme Ltd"}, {}}
	_, err = federation.NewLookups(fed).Match(context.Background(), rows, registry.Date{})
	want := []string{"body.rows[1].bn", "body.rows[1].jurisdiction", "body.rows[3]"}
	if got := locations(t, err); !slices.Equal(got, want) {
		t.Errorf("got %s, want %s", strings.Join(got, " "), strings.Join(want, " "))
	}
}
