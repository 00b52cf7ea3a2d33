package federation_test

import (
	"context"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/openapi"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
	"github.com/corfed/corfed/registry/statuslist"
)

// TestPeerListFromTheFutureDoesNotPin: a peer's genuine list with an iat
// in the future (its clock ahead for one signing) may be used, but the next
// correct list replaces it. It was held, and every correct list after it
// refused as made before it, so the verifying node (the site's /verify
// page) said a suspended certificate's pass held, not even stale, until
// the clock caught up with the bad iat.
func TestPeerListFromTheFutureDoesNotPin(t *testing.T) {
	start := nodetest.Now
	t.Cleanup(func() { nodetest.Now = start })
	ctx := context.Background()
	c := newSyncCluster(t, federation.Config{}, "CA-AB", "CA-BC")
	ab, bc := c.members["CA-AB"], c.members["CA-BC"]
	abPasses := federation.NewPasses(federation.NewLookups(ab.fed), federation.PassConfig{BaseURL: ab.srv.URL})
	srv := &statusListServer{h: openapi.New(openapi.Config{Node: ab.n.Node,
		Extra: []func(huma.API, *openapi.Helpers){openapi.PeerOps(ab.fed), openapi.PassOps(abPasses)}})}
	ab.h.set(srv)
	bcPasses := federation.NewPasses(federation.NewLookups(bc.fed), federation.PassConfig{BaseURL: bc.srv.URL})
	const id = "ACSA-20250417"
	text, _, err := abPasses.Issue(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	c.syncAll() // BC checks the pass against its replica of AB's log too
	// AB's clock runs 12 h ahead for one signing of its list.
	nodetest.Now = start.Add(12 * time.Hour)
	ahead, _, err := abPasses.StatusList(ctx)
	if err != nil {
		t.Fatal(err)
	}
	nodetest.Now = start
	srv.frozen.Store(&ahead)
	if got, err := bcPasses.CheckPass(ctx, text); err != nil || !got.Holds() {
		t.Fatalf("first check: %v %v", err, got.Holds())
	}
	srv.frozen.Store(nil) // AB serves its real, current list from now on
	if _, err := ab.n.ChangeStatus(ctx, nodetest.Admin(), id, node.StatusRequest{Action: "suspend", Reason: "Employer Review opened"}); err != nil {
		t.Fatal(err)
	}
	nodetest.Now = start.Add(2 * time.Hour) // long after the reuse minute and the 5 min ttl
	tok, _, _ := abPasses.StatusList(ctx)
	sl, _ := statuslist.Verify(ab.n.PublicKeys(), tok, "CA-AB", abPasses.StatusListURL())
	got, err := bcPasses.CheckPass(ctx, text)
	t.Logf("AB now serves status %s; BC says holds=%v status=%s stale=%v err=%v",
		func() string { p, _ := got.Pass, 0; v, _ := sl.List.Get(p.StatusIdx); return statuslist.Name(v) }(), got.Holds(), statuslist.Name(got.Status), got.Stale, err)
	if err == nil && got.Holds() {
		t.Errorf("2 h after AB suspended %s, BC's check of its pass holds (not stale), from a list dated in the future", id)
	}
}
