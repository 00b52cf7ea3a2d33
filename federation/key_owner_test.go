package federation_test

import (
	"errors"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// TestPeerCannotAnnounceAnotherMembersKey: one key, one member. The
// federation file refuses a key pinned for two members; a peer's key
// announcement, signed by its own pinned key, may not bring in a key that
// is this node's or another peer's either, else that key would sign as
// both (entries, checkpoints, agreement signatures). The announcement is
// refused as unverified, the entries before it are kept, and a new key of
// the peer's own is still learned.
func TestPeerCannotAnnounceAnotherMembersKey(t *testing.T) {
	bcKey, err := jose.GenerateKey(jose.EdDSA, nodetest.Now)
	if err != nil {
		t.Fatal(err)
	}
	mbKey, err := jose.GenerateKey(jose.EdDSA, nodetest.Now)
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := jose.GenerateKey(jose.EdDSA, nodetest.Now)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		key     func(ab *nodetest.Node) *jose.Key
		refused bool
	}{
		{"this node's active key", func(ab *nodetest.Node) *jose.Key { return ab.Keys.Active() }, true},
		{"another peer's pinned key", func(*nodetest.Node) *jose.Key { return mbKey }, true},
		{"a new key of its own", func(*nodetest.Node) *jose.Key { return fresh }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ab := nodetest.New(t, "CA-AB", nodetest.Options{})
			peer := &hostilePeer{j: "CA-BC", key: bcKey, size: -1}
			srv := httptest.NewServer(peer)
			t.Cleanup(srv.Close)
			fed, err := federation.New(federation.Config{Node: ab.Node, Trust: &federation.Trust{Name: "three", Members: []federation.Member{
				{Jurisdiction: "CA-AB", URL: "http://127.0.0.1:1", Keys: ab.PublicKeys()},
				{Jurisdiction: "CA-BC", URL: srv.URL, Keys: jose.NewKeySet(bcKey.Public())},
				{Jurisdiction: "CA-MB", URL: "http://127.0.0.1:1", Keys: jose.NewKeySet(mbKey.Public())},
			}}})
			if err != nil {
				t.Fatal(err)
			}
			f := forger{t, bcKey}
			k := tc.key(ab)
			peer.set([]string{f.good(1, 1, "111111118"), f.announce(bcKey, k, 2, k.KID)}, -1)
			st, err := fed.Sync(t.Context(), "CA-BC")
			trusted := slices.Contains(st.Keys, k.KID)
			if !tc.refused {
				if err != nil || !trusted {
					t.Fatalf("a new key of CA-BC's own: err %v, keys %v; want it learned", err, st.Keys)
				}
				return
			}
			if trusted || !errors.Is(err, registry.ErrUnverified) {
				t.Errorf("CA-BC announced %s: err %v, keys %v; want the announcement refused as unverified", k.KID, err, st.Keys)
			}
			if got := len(replicaOf(t, ab.Node, "CA-BC")); got != 1 {
				t.Errorf("the replica holds %d entries, want the 1 before the refused announcement", got)
			}
		})
	}
}
