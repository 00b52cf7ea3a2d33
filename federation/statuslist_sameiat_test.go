package federation_test

import (
	"context"
	"testing"

	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
	"github.com/corfed/corfed/registry/statuslist"
)

// TestListsOfOneSecondAreOrdered: the node signs two different lists with
// the same iat when its log grows within a second; each says the log size
// it reflects, so a verifier takes the later over the earlier, never the
// reverse.
func TestListsOfOneSecondAreOrdered(t *testing.T) {
	ctx := context.Background()
	n := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true})
	fed, _ := federation.New(federation.Config{Node: n.Node})
	ps := federation.NewPasses(federation.NewLookups(fed), federation.PassConfig{BaseURL: "http://cor.example"})
	_, p, err := ps.Issue(ctx, "ACSA-20250417")
	if err != nil {
		t.Fatal(err)
	}
	a, _, _ := ps.StatusList(ctx)
	if _, err := n.ChangeStatus(ctx, nodetest.Admin(), "ACSA-20250417", node.StatusRequest{Action: "suspend", Reason: "Employer Review opened"}); err != nil {
		t.Fatal(err)
	}
	b, _, _ := ps.StatusList(ctx)
	ta, _ := statuslist.Verify(n.PublicKeys(), a, "CA-AB", ps.StatusListURL())
	tb, _ := statuslist.Verify(n.PublicKeys(), b, "CA-AB", ps.StatusListURL())
	va, _ := ta.List.Get(p.StatusIdx)
	vb, _ := tb.List.Get(p.StatusIdx)
	t.Logf("list A iat %s: %s; list B iat %s: %s", ta.Iat, statuslist.Name(va), tb.Iat, statuslist.Name(vb))
	if !ta.Iat.Equal(tb.Iat) || va == vb {
		t.Fatalf("want two lists of one second that disagree (the test clock is fixed)")
	}
	if err := statuslist.CheckReplaces(tb, b, ta, a, nodetest.Now); err != nil {
		t.Errorf("the later list (log size %d) cannot replace the earlier (%d): %v", tb.LogSize, ta.LogSize, err)
	}
	if err := statuslist.CheckReplaces(ta, a, tb, b, nodetest.Now); err == nil {
		t.Errorf("the earlier list (log size %d, %s) replaces the later (%d, %s)", ta.LogSize, statuslist.Name(va), tb.LogSize, statuslist.Name(vb))
	}
}
