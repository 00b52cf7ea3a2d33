package federation_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/openapi"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
	"github.com/corfed/corfed/registry/statuslist"
)

// statusListServer serves a node's handler and counts the status list
// requests; while frozen is set it serves that token as the list instead
// (a peer, or something in between, rolling the list back), and while down
// it answers 503.
type statusListServer struct {
	h       http.Handler
	fetches atomic.Int64
	frozen  atomic.Pointer[string]
	down    atomic.Bool
}

func (s *statusListServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == federation.StatusListPath {
		s.fetches.Add(1)
		if s.down.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		if tok := s.frozen.Load(); tok != nil {
			w.Header().Set("Content-Type", statuslist.MediaType)
			io.WriteString(w, *tok)
			return
		}
	}
	s.h.ServeHTTP(w, r)
}

// TestPeerStatusListIsFetchedOncePerReuse: a node checking passes of a
// peer's certificates fetches the peer's status list once for any number
// of checks (concurrent ones wait for the one fetch), again only when the
// list it holds is older than a minute, refuses a list made before the one
// it holds, and answers from the list it holds (stale past its ttl) while
// the peer cannot be reached, trying the peer again only every few seconds.
func TestPeerStatusListIsFetchedOncePerReuse(t *testing.T) {
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
	if (federation.PassCheck{}).Holds() {
		t.Error("a zero PassCheck holds")
	}
	check := func(step string, wantHolds, wantStale bool, wantFetches int64) {
		t.Helper()
		got, err := bcPasses.CheckPass(ctx, text)
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		if got.Holds() != wantHolds || got.Stale != wantStale || srv.fetches.Load() != wantFetches {
			t.Errorf("%s: holds %v (status %s), stale %v (%s), %d fetches of the list; want holds %v, stale %v, %d fetches",
				step, got.Holds(), statuslist.Name(got.Status), got.Stale, got.StaleWhy, srv.fetches.Load(), wantHolds, wantStale, wantFetches)
		}
	}

	// Sixteen checks at once, then more: one fetch.
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			if got, err := bcPasses.CheckPass(ctx, text); err != nil || !got.Holds() {
				t.Errorf("concurrent check: %v, holds %v", err, got.Holds())
			}
		})
	}
	wg.Wait()
	if n := srv.fetches.Load(); n != 1 {
		t.Errorf("16 concurrent checks fetched the list %d times, want 1", n)
	}
	check("again at once", true, false, 1)
	first, _, err := abPasses.StatusList(ctx)
	if err != nil {
		t.Fatal(err)
	}

	// Suspended at the peer: seen once the held list is a minute old.
	if _, err := ab.n.ChangeStatus(ctx, nodetest.Admin(), id, node.StatusRequest{Action: "suspend", Reason: "Employer Review opened"}); err != nil {
		t.Fatal(err)
	}
	nodetest.Now = start.Add(30 * time.Second)
	check("30 s later, suspended at the peer", true, false, 1)
	nodetest.Now = start.Add(61 * time.Second)
	check("61 s later", false, false, 2)

	// The first list served again (made before the one held): refused, the
	// held one answers, and the peer is not asked again for a few seconds.
	srv.frozen.Store(&first)
	nodetest.Now = start.Add(2*time.Minute + 2*time.Second)
	check("an older list served", false, false, 3)
	check("at once after the refusal", false, false, 3)

	// The peer is down: the held list answers, stale past its ttl (5 min).
	srv.frozen.Store(nil)
	srv.down.Store(true)
	nodetest.Now = start.Add(6*time.Minute + 10*time.Second)
	check("peer down, past the ttl", false, true, 4)
	got, err := bcPasses.CheckPass(ctx, text)
	if err != nil || !strings.Contains(got.StaleWhy, "could not be fetched") || srv.fetches.Load() != 4 {
		t.Errorf("peer down, at once: %v, why %q, %d fetches", err, got.StaleWhy, srv.fetches.Load())
	}

	// Back up: a fresh list, not stale.
	srv.down.Store(false)
	nodetest.Now = start.Add(6*time.Minute + 20*time.Second)
	check("peer back", false, false, 5)
	if got.Pass.Iss != registry.Jurisdiction("CA-AB") {
		t.Errorf("pass issuer %s", got.Pass.Iss)
	}
}
