package federation_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/logproof"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// TestWithheldEntriesSeenByAWitness: CA-BC withholds its newest entry from
// CA-AB: it serves CA-AB a feed and a checkpoint of 2 entries, while it
// signed (and showed CA-ON) a tree of 3. CA-ON publishes that checkpoint,
// signed by CA-BC and cosigned by CA-ON, at /v1/log/witnessed. Once CA-AB
// has read it, CA-BC's peer size is 3, and a sync of CA-BC that ends at 2
// is an error naming the withholding (a revocation in the withheld entry
// would otherwise never reach CA-AB, and nothing would say so). Once
// CA-BC serves all 3, it is synced again.
func TestWithheldEntriesSeenByAWitness(t *testing.T) {
	ab := nodetest.New(t, "CA-AB", nodetest.Options{})
	bcKey, _ := jose.GenerateKey(jose.EdDSA, nodetest.Now)
	onKey, _ := jose.GenerateKey(jose.EdDSA, nodetest.Now)
	f := forger{t, bcKey}
	all := []string{f.good(1, 1, "111111118"), f.good(2, 1, "222222226"), f.good(3, 2, "111111118")}
	bc := &hostilePeer{j: "CA-BC", key: bcKey, size: -1}
	bc.set(all[:2], -1) // what CA-AB is shown
	bcSrv := httptest.NewServer(bc)
	t.Cleanup(bcSrv.Close)

	// CA-BC's checkpoint of all 3, as CA-ON verified and cosigned it.
	full, err := logproof.Sign(bcKey, logproof.Checkpoint{Origin: logproof.Origin("CA-BC"), Size: 3, Root: newMemTree(all).root(3), Time: nodetest.Now})
	if err != nil {
		t.Fatal(err)
	}
	cosig, err := logproof.Cosign(onKey, full.Checkpoint)
	if err != nil {
		t.Fatal(err)
	}
	onSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if serveLog(w, r, onKey, "CA-ON", nil) {
			return
		}
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/v1/feed":
			json.NewEncoder(w).Encode(map[string]any{"jurisdiction": "CA-ON", "size": 0, "entries": []any{}, "next": 0})
		case "/v1/log/witnessed":
			json.NewEncoder(w).Encode(map[string]any{"witness": "CA-ON", "checkpoints": []any{map[string]any{
				"origin": full.Origin, "size": full.Size, "root_hash": full.Root.String(), "time": "2026-11-25T12:00:00Z",
				"body": string(full.Body()), "jws": full.JWS, "witness": "CA-ON", "cosignature": cosig}}})
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(onSrv.Close)
	tr := &federation.Trust{Name: "withhold", Members: []federation.Member{
		{Jurisdiction: "CA-AB", URL: "http://127.0.0.1:1", Keys: ab.PublicKeys()},
		{Jurisdiction: "CA-BC", URL: bcSrv.URL, Keys: jose.NewKeySet(bcKey.Public())},
		{Jurisdiction: "CA-ON", URL: onSrv.URL, Keys: jose.NewKeySet(onKey.Public())},
	}}
	fed, err := federation.New(federation.Config{Node: ab.Node, Trust: tr})
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range []registry.Jurisdiction{"CA-BC", "CA-ON"} {
		if st, err := fed.Sync(t.Context(), j); err != nil {
			t.Fatalf("sync %s: %v (%+v)", j, err, st)
		}
	}
	if st := peerStatus(t, fed, "CA-BC"); st.State != federation.StateBehind || st.PeerSize != 3 {
		t.Errorf("after CA-ON's list: CA-BC is %q, peer_size %d, want behind, 3", st.State, st.PeerSize)
	}
	st, err := fed.Sync(t.Context(), "CA-BC")
	if !errors.Is(err, registry.ErrConflict) || st.State != federation.StateError || !strings.Contains(st.LastError, "signed a tree of 3 entries (relayed by CA-ON), but the sources this node reads serve 2") {
		t.Fatalf("CA-BC signed a tree of 3 entries, serves CA-AB 2: got %v, state %q, seq %d, peer_size %d, error %q", err, st.State, st.Seq, st.PeerSize, st.LastError)
	}
	bc.set(all, -1)
	if st, err := fed.Sync(t.Context(), "CA-BC"); err != nil || st.State != federation.StateSynced || st.Seq != 3 {
		t.Errorf("CA-BC serving all 3: %v, state %q, seq %d", err, st.State, st.Seq)
	}
}

func peerStatus(t *testing.T, fed *federation.Federation, j registry.Jurisdiction) federation.PeerStatus {
	t.Helper()
	sts, err := fed.Peers(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range sts {
		if st.Jurisdiction == j {
			return st
		}
	}
	t.Fatalf("no peer %s", j)
	return federation.PeerStatus{}
}
