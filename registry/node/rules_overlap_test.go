package node_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// TestPublishHostRulesRefusesOverlap: a version of the host's rules whose
// period overlaps another version the node published (under another id)
// is refused, as ParseHostRulesFile refuses it inside a file: two versions
// in force at once would leave a recognition decided under the old one
// running past the new one's start. The problem names the field and the
// version overlapped. Publishing the same id again is a new version of
// that record (it replaces it), so closing the old version and then
// publishing the new one is how rules are amended.
func TestPublishHostRulesRefusesOverlap(t *testing.T) {
	d := registry.MustDate
	version := func(id, from, to string) registry.HostRules {
		r := registry.HostRules{ID: id, Jurisdiction: "CA-AB", EffectiveFrom: d(from), Programs: []string{"COR"}, Sources: []string{"[2]"},
			Equivalency: []registry.EquivalencyRule{{Accepted: true, Standards: []string{registry.StdISO45001}, TermMonths: 36}}}
		if to != "" {
			r.EffectiveTo = d(to)
		}
		return r
	}
	type step struct {
		r     registry.HostRules
		field string // "" accepted; else the field of the 422
		names string // the version the problem names
	}
	for _, c := range []struct {
		name  string
		steps []step
	}{
		{"a version from 2026 over the open-ended one from 2010", []step{
			{version("CA-AB-2010", "2010-01-01", ""), "", ""},
			{version("CA-AB-2026", "2026-01-01", ""), "body.effective_from", "CA-AB-2010"},
		}},
		{"a version starting on the last day of the one before", []step{
			{version("CA-AB-2010", "2010-01-01", "2025-12-31"), "", ""},
			{version("CA-AB-2026", "2025-12-31", ""), "body.effective_from", "CA-AB-2010"},
		}},
		{"an earlier open-ended version reaching into a later one", []step{
			{version("CA-AB-2026", "2026-01-01", ""), "", ""},
			{version("CA-AB-2010", "2010-01-01", ""), "body.effective_to", "CA-AB-2026"},
		}},
		{"the same dates under a new id", []step{
			{version("CA-AB-2010", "2010-01-01", ""), "", ""},
			{version("CA-AB-2010-bis", "2010-01-01", ""), "body.effective_from", "CA-AB-2010"},
		}},
		{"a version after the one before ends", []step{
			{version("CA-AB-2010", "2010-01-01", "2025-12-31"), "", ""},
			{version("CA-AB-2026", "2026-01-01", ""), "", ""},
		}},
		{"amending: close the old version, then publish the new", []step{
			{version("CA-AB-2010", "2010-01-01", ""), "", ""},
			{version("CA-AB-2010", "2010-01-01", "2025-12-31"), "", ""},
			{version("CA-AB-2026", "2026-01-01", ""), "", ""},
		}},
		{"the same id again with new dates", []step{
			{version("CA-AB-2010", "2010-01-01", ""), "", ""},
			{version("CA-AB-2010", "2012-01-01", ""), "", ""},
		}},
		{"reopening a closed version over a later one", []step{
			{version("CA-AB-2010", "2010-01-01", "2025-12-31"), "", ""},
			{version("CA-AB-2026", "2026-01-01", ""), "", ""},
			{version("CA-AB-2010", "2010-01-01", ""), "body.effective_to", "CA-AB-2026"},
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			n := nodetest.New(t, "CA-AB", nodetest.Options{})
			for i, s := range c.steps {
				e, err := n.PublishHostRules(t.Context(), nodetest.Admin(), s.r)
				if s.field == "" {
					if err != nil {
						t.Fatalf("step %d (%s %s..%s): %v", i, s.r.ID, s.r.EffectiveFrom, s.r.EffectiveTo, err)
					}
					continue
				}
				if err == nil {
					t.Fatalf("step %d (%s %s..%s) accepted as seq %d; want a problem at %s", i, s.r.ID, s.r.EffectiveFrom, s.r.EffectiveTo, e.Seq, s.field)
				}
				ps := registry.Problems(err)
				if !errors.Is(err, registry.ErrInvalid) || len(ps) != 1 || ps[0].Field != s.field || !strings.Contains(ps[0].Reason, s.names) {
					t.Errorf("step %d: %v; want one problem at %s naming %s", i, err, s.field, s.names)
				}
			}
		})
	}
}
