package federation

import (
	"testing"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// TestPartySignedMemoCoversTheTerms: a party's signature checked once
// over an agreement's terms does not count, from the memo, for other
// terms that copy it (a member publishing CA-AB's and CA-BC's signatures
// under an agreement of its own). Before, the memo was keyed by party and
// signature only, and the node's own answers recognized the copy.
func TestPartySignedMemoCoversTheTerms(t *testing.T) {
	n := nodetest.New(t, "CA-AB", nodetest.Options{})
	f, err := New(Config{Node: n.Node})
	if err != nil {
		t.Fatal(err)
	}
	l := NewLookups(f)
	genuine := registry.AgreementTerms{ID: "ab-bc", Parties: []registry.Jurisdiction{"CA-AB", "CA-BC"}}
	copied := registry.AgreementTerms{ID: "ab-bc-on", Parties: []registry.Jurisdiction{"CA-AB", "CA-BC", "CA-ON"}}
	sig, err := n.SignAgreement(genuine)
	if err != nil {
		t.Fatal(err)
	}
	pg, err := genuine.SigningPayload()
	if err != nil {
		t.Fatal(err)
	}
	pc, err := copied.SigningPayload()
	if err != nil {
		t.Fatal(err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for i, c := range []struct {
		payload []byte
		want    bool
	}{{pg, true}, {pc, false}, {pg, true}, {pc, false}} {
		if got := l.partySigned("CA-AB", sig.JWS, c.payload); got != c.want {
			t.Errorf("check %d: partySigned = %v, want %v", i, got, c.want)
		}
	}
}

// TestAgreementByIDSetsAsideNonPartyCopies: terms published under an
// agreement id by none of their parties (a member squatting another's id)
// neither win the id nor make it ambiguous; two copies published by
// parties with different terms still are a conflict.
func TestAgreementByIDSetsAsideNonPartyCopies(t *testing.T) {
	group := func(parties []registry.Jurisdiction, publishers ...registry.Jurisdiction) agreementGroup {
		g := agreementGroup{party: map[registry.Jurisdiction]partyCopy{}}
		g.fact.Agreement.Terms = registry.AgreementTerms{ID: "ab-bc", Parties: parties}
		for _, p := range publishers {
			g.party[p] = partyCopy{}
		}
		return g
	}
	abbc := []registry.Jurisdiction{"CA-AB", "CA-BC"}
	squat := []registry.Jurisdiction{"CA-AB", "CA-BC", "CA-ON"}
	for _, c := range []struct {
		name   string
		groups []agreementGroup
		want   int // index of the group found, -1 for an error
	}{
		{"the party's copy, with a squatter's after it", []agreementGroup{group(abbc, "CA-BC"), group(squat)}, 0},
		{"the party's copy, with a squatter's before it", []agreementGroup{group(squat), group(abbc, "CA-BC")}, 1},
		{"only a squatter's copy", []agreementGroup{group(squat)}, -1},
		{"two parties' different terms", []agreementGroup{group(abbc, "CA-BC"), group(squat, "CA-ON")}, -1},
	} {
		rc := &ruleCache{agreements: c.groups}
		g, err := rc.agreement("ab-bc", "CA-AB")
		switch {
		case c.want < 0 && err == nil:
			t.Errorf("%s: found %+v, want an error", c.name, g.fact.Agreement.Terms)
		case c.want >= 0 && (err != nil || g != &rc.agreements[c.want]):
			t.Errorf("%s: %v, %v; want group %d", c.name, g, err, c.want)
		}
	}
}
