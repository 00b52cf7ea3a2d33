package federation_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/openapi"
	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/logproof"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// TestLaggingTilesSourceFallsBackToTheNode: CA-AB is honest. Its
// static tiles (its bucket, a CDN or a mirror, listed in the federation
// file) lag one entry behind its node (the publisher batches, a CDN caches
// the checkpoint). CA-ON witnessed CA-AB's newest checkpoint. CA-BC syncs
// CA-AB from the tiles, which it prefers, ends one short of the signed
// tree, and reads the rest from CA-AB's node: synced at 4, not "entries
// are withheld" (that is for a node that also ends short:
// TestWithheldEntriesSeenByAWitness).
func TestLaggingTilesSourceFallsBackToTheNode(t *testing.T) {
	ab, dir := publishedLog(t, 3)
	growNamed(t, ab, "Lagging Tiles", 4) // the node is at 4, the tiles at 3
	apiSrv := httptest.NewServer(openapi.New(openapi.Config{Node: ab.Node}))
	t.Cleanup(apiSrv.Close)
	root, err := ab.Node.TreeHash(t.Context(), 4)
	if err != nil {
		t.Fatal(err)
	}
	full, err := logproof.Sign(ab.Keys.Active(), logproof.Checkpoint{Origin: logproof.Origin("CA-AB"), Size: 4, Root: root, Time: nodetest.Now})
	if err != nil {
		t.Fatal(err)
	}
	onKey, _ := jose.GenerateKey(jose.EdDSA, nodetest.Now)
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
	bc := nodetest.New(t, "CA-BC", nodetest.Options{})
	trust := &federation.Trust{Name: "lag", Members: []federation.Member{
		{Jurisdiction: "CA-AB", URL: apiSrv.URL, Keys: ab.PublicKeys(), Tiles: []string{serveDir(t, dir)}},
		{Jurisdiction: "CA-BC", URL: "http://127.0.0.1:1", Keys: bc.PublicKeys()},
		{Jurisdiction: "CA-ON", URL: onSrv.URL, Keys: jose.NewKeySet(onKey.Public())},
	}}
	fed, err := federation.New(federation.Config{Node: bc.Node, Trust: trust, PeerTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if st, err := fed.Sync(t.Context(), "CA-ON"); err != nil {
		t.Fatalf("sync CA-ON: %v (%+v)", err, st)
	}
	st, err := fed.Sync(t.Context(), "CA-AB")
	if err != nil || st.State != federation.StateSynced || st.Seq != 4 {
		t.Errorf("CA-AB's node serves all 4 entries, its tiles 3: the sync reports %s, seq %d, error %q", st.State, st.Seq, st.LastError)
	}
}
