package federation_test

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/logproof"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// TestOwnLogAtPeers: AB asks its peers which checkpoint of AB's log they
// hold. BC synced AB: the checkpoint it witnessed, as AB signed it. ON
// lists a larger checkpoint of AB's log signed by a key that is not AB's:
// not believed (a peer cannot make AB think it published more). QC
// witnesses nothing (404): none. NS does not answer: an error, no
// checkpoint.
func TestOwnLogAtPeers(t *testing.T) {
	c := newSyncCluster(t, federation.Config{}, "CA-AB", "CA-BC", "CA-ON", "CA-QC", "CA-NS")
	c.syncAll()
	ab := c.members["CA-AB"]
	want, err := ab.n.Checkpoint(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	other, _ := jose.GenerateKey(jose.EdDSA, nodetest.Now)
	forged, err := logproof.Sign(other, logproof.Checkpoint{Origin: ab.n.Origin(), Size: want.Size + 100, Root: want.Root, Time: nodetest.Now})
	if err != nil {
		t.Fatal(err)
	}
	c.members["CA-ON"].h.set(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"witness":"CA-ON","checkpoints":[{"origin":%q,"jws":%q}]}`, ab.n.Origin(), forged.JWS)
	}))
	c.members["CA-QC"].h.set(http.NotFoundHandler())
	c.members["CA-NS"].srv.Close()

	held := ab.fed.OwnLogAtPeers(t.Context())
	got := map[registry.Jurisdiction]federation.HeldByPeer{}
	for _, h := range held {
		got[h.Peer] = h
	}
	if len(held) != 4 || len(got) != 4 {
		t.Fatalf("answers of %d peers, want 4: %+v", len(held), held)
	}
	if h := got["CA-BC"]; h.Err != nil || h.Checkpoint == nil || h.Checkpoint.Size != want.Size || h.Checkpoint.Root != want.Root {
		t.Errorf("BC: %+v, want AB's checkpoint of size %d", h, want.Size)
	}
	if h := got["CA-ON"]; h.Checkpoint != nil || !errors.Is(h.Err, registry.ErrUnverified) {
		t.Errorf("ON (a checkpoint AB did not sign): %+v, want an unverified error and no checkpoint", h)
	}
	if h := got["CA-QC"]; h.Checkpoint != nil || h.Err != nil {
		t.Errorf("QC (witnesses nothing): %+v, want nothing", h)
	}
	if h := got["CA-NS"]; h.Checkpoint != nil || !errors.Is(h.Err, registry.ErrUnavailable) {
		t.Errorf("NS (down): %+v, want an unavailable error", h)
	}
}
