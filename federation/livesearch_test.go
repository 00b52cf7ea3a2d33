package federation_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// servesCertificates is a fake peer: it answers GET /v1/certificates with
// the given signed entries, whatever the query, and 404 elsewhere.
func servesCertificates(jwss ...string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/certificates" {
			http.NotFound(w, r)
			return
		}
		var page struct {
			Certificates []map[string]string `json:"certificates"`
		}
		for _, j := range jwss {
			page.Certificates = append(page.Certificates, map[string]string{"jws": j})
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(page)
	})
}

// TestLiveSearchNeverReturnsAnOlderVersion: BC revokes a certificate, AB's
// replica holds the revocation, then BC's node (or someone who kept its old
// answers) serves the older, still-active version, genuinely signed by BC.
// A live search from AB must not return it as BC's answer: BC's part is
// marked stale and the answer partial. A version that conflicts with the
// replica (same version, signed differently: a fork) is refused the same
// way; an honest live answer is accepted.
func TestLiveSearchNeverReturnsAnOlderVersion(t *testing.T) {
	c := newSyncCluster(t, federation.Config{}, "CA-AB", "CA-BC")
	c.syncAll()
	ab, bc := c.members["CA-AB"], c.members["CA-BC"]
	found, err := bc.n.SearchCertificates(t.Context(), node.Query{Number: "BC-118204"})
	if err != nil || len(found) != 1 {
		t.Fatalf("BC's certificate BC-118204: got %d, %v", len(found), err)
	}
	id := found[0].Entry.ID
	// A fork of BC, made before the revocation: same key, other history.
	fork := forkNode(t, bc.n, func(n *nodetest.Node) { bc.n = n; c.start(bc) })
	old := found[0].Entry
	revoked, err := bc.n.ChangeStatus(t.Context(), nodetest.Admin(), id, node.StatusRequest{Action: "revoke", Reason: "Audit found falsified records"})
	if err != nil {
		t.Fatal(err)
	}
	forked, err := fork.ChangeStatus(t.Context(), nodetest.Admin(), id, node.StatusRequest{Action: "suspend", Reason: "Pending review"})
	if err != nil {
		t.Fatal(err)
	}
	if forked.Ver != revoked.Ver || forked.JWS == revoked.JWS {
		t.Fatalf("fork: got v%d, want another signed v%d", forked.Ver, revoked.Ver)
	}
	if st, err := ab.fed.Sync(t.Context(), "CA-BC"); err != nil {
		t.Fatalf("AB syncing BC: %v (%+v)", err, st)
	}
	search := func() federation.SearchResult {
		t.Helper()
		lk := federation.NewLookups(ab.fed)
		r, err := lk.Search(t.Context(), federation.SearchQuery{Number: "BC-118204", Live: true})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	member := func(r federation.SearchResult, j registry.Jurisdiction) federation.MemberResult {
		for _, m := range r.Members {
			if m.Jurisdiction == j {
				return m
			}
		}
		t.Fatalf("no member result for %s in %+v", j, r.Members)
		return federation.MemberResult{}
	}

	// The honest peer: the revoked version, live.
	r := search()
	if m := member(r, "CA-BC"); r.Partial || m.Status != "ok" || len(r.Certificates) != 1 || r.Certificates[0].Ver != revoked.Ver {
		t.Fatalf("honest live answer: got partial=%v status %q %+v, want ok with v%d", r.Partial, m.Status, r.Certificates, revoked.Ver)
	}

	for _, tc := range []struct {
		name, jws, reason string
	}{
		{"older version", old.JWS, "older than version"},
		{"conflicting version", forked.JWS, "signed differently"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bc.h.set(servesCertificates(tc.jws))
			r := search()
			m := member(r, "CA-BC")
			if !r.Partial || m.Status != "stale" || !strings.Contains(m.Error, tc.reason) || m.Found != 0 {
				t.Errorf("got partial=%v status %q error %q found %d, want partial, stale, %q, 0", r.Partial, m.Status, m.Error, m.Found, tc.reason)
			}
			for _, f := range r.Certificates {
				if f.Iss == "CA-BC" {
					t.Errorf("BC's certificate returned from a stale answer: v%d %s", f.Ver, f.StatusAsOf)
				}
			}
		})
	}
}

// TestLiveSearchKeepsOnlyWhatWasAsked: BC answers a live search for its
// certificate BC-118204, by number and by its employer's BN, with another
// of its genuine certificates, BC-109876. The answer is BC's signature
// over the wrong thing: BC's part is unverified and the answer partial,
// with none of it listed.
func TestLiveSearchKeepsOnlyWhatWasAsked(t *testing.T) {
	c := newSyncCluster(t, federation.Config{}, "CA-AB", "CA-BC")
	c.syncAll()
	ab, bc := c.members["CA-AB"], c.members["CA-BC"]
	asked, err := bc.n.SearchCertificates(t.Context(), node.Query{Number: "BC-118204"})
	if err != nil || len(asked) != 1 {
		t.Fatalf("BC-118204: got %d, %v", len(asked), err)
	}
	other, err := bc.n.SearchCertificates(t.Context(), node.Query{Number: "BC-109876"})
	if err != nil || len(other) != 1 || other[0].Certificate.EmployerBN == asked[0].Certificate.EmployerBN {
		t.Fatalf("set-up: BC-109876 of another employer: got %+v, %v", other, err)
	}
	bc.h.set(servesCertificates(other[0].Entry.JWS))
	for _, q := range []federation.SearchQuery{{Number: "bc-118204", Live: true}, {BN: asked[0].Certificate.EmployerBN, Live: true}} {
		r, err := federation.NewLookups(ab.fed).Search(t.Context(), q)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range r.Members {
			if m.Jurisdiction == "CA-BC" && (m.Status != "unverified" || !strings.Contains(m.Error, "does not match the search")) {
				t.Errorf("%+v: BC's part is %q (%s), want unverified", q, m.Status, m.Error)
			}
		}
		for _, f := range r.Certificates {
			if f.ID == other[0].Entry.ID {
				t.Errorf("%+v: BC's answer BC-109876 is listed (partial %v)", q, r.Partial)
			}
		}
		if !r.Partial {
			t.Errorf("%+v: the answer is not partial", q)
		}
	}
}

// TestLiveSearchBudget: with a budget of one live search at a time, a
// second live search that cannot get a slot before its deadline fails
// with ErrUnavailable (a 503 at the edge) instead of piling up work, and
// the first completes.
func TestLiveSearchBudget(t *testing.T) {
	c := newSyncCluster(t, federation.Config{MaxLiveSearches: 1, LiveTimeout: time.Minute, PeerTimeout: time.Minute}, "CA-AB", "CA-BC")
	c.syncAll()
	ab, bc := c.members["CA-AB"], c.members["CA-BC"]
	entered, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	bc.h.set(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		once.Do(func() { close(entered) })
		select {
		case <-release:
		case <-r.Context().Done():
		}
		servesCertificates().ServeHTTP(w, r)
	}))
	lk := federation.NewLookups(ab.fed)
	first := make(chan error, 1)
	go func() {
		_, err := lk.Search(t.Context(), federation.SearchQuery{Number: "BC-118204", Live: true})
		first <- err
	}()
	<-entered // the first search holds the only slot, waiting for BC
	// The second one's caller gives it little time: it gives up waiting.
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	_, err := lk.Search(ctx, federation.SearchQuery{Number: "BC-118204", Live: true})
	if !errors.Is(err, registry.ErrUnavailable) {
		t.Errorf("second live search over budget: got %v, want ErrUnavailable", err)
	}
	close(release)
	if err := <-first; err != nil {
		t.Errorf("first live search: %v", err)
	}
}
