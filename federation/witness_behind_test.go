package federation_test

import (
	"net/http/httptest"
	"testing"

	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/openapi"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/node/nodetest"
	"github.com/danielgtaylor/huma/v2"
)

// TestWitnessedCheckpointSeenWhileBehindIsComparedLater: CA-BC forks its log
// between real CA-AB and real CA-ON, leapfrogging: each node reads the
// other's witnessed checkpoint of CA-BC while its own replica is smaller
// ("cannot tell yet"), then its replica grows past that size on its own
// fork. The noted checkpoint (signed by CA-BC, cosigned by the other) is
// kept, persisted, and compared once the replica reaches it: both nodes
// mark CA-BC misbehaving, with both signed checkpoints as evidence, also
// when CA-AB restarts between noting and reaching it.
func TestWitnessedCheckpointSeenWhileBehindIsComparedLater(t *testing.T) {
	for _, restart := range []bool{false, true} {
		t.Run(map[bool]string{false: "running", true: "restarted"}[restart], func(t *testing.T) { leapfrog(t, restart) })
	}
}

func leapfrog(t *testing.T, restart bool) {
	bcKey, _ := jose.GenerateKey(jose.EdDSA, nodetest.Now)
	f := forger{t, bcKey}
	e1 := f.good(1, 1, "111111118")
	forAB := &hostilePeer{j: "CA-BC", key: bcKey, size: -1}
	forON := &hostilePeer{j: "CA-BC", key: bcKey, size: -1}
	abSrvBC, onSrvBC := httptest.NewServer(forAB), httptest.NewServer(forON)
	t.Cleanup(abSrvBC.Close)
	t.Cleanup(onSrvBC.Close)
	ab := nodetest.New(t, "CA-AB", nodetest.Options{})
	on := nodetest.New(t, "CA-ON", nodetest.Options{})
	abSwap, onSwap := &countingSwap{}, &countingSwap{}
	abSrv, onSrv := httptest.NewServer(abSwap), httptest.NewServer(onSwap)
	t.Cleanup(abSrv.Close)
	t.Cleanup(onSrv.Close)
	trustFor := func(bcURL string) *federation.Trust {
		return &federation.Trust{Name: "split", Members: []federation.Member{
			{Jurisdiction: "CA-AB", URL: abSrv.URL, Keys: ab.PublicKeys()},
			{Jurisdiction: "CA-BC", URL: bcURL, Keys: jose.NewKeySet(bcKey.Public())},
			{Jurisdiction: "CA-ON", URL: onSrv.URL, Keys: on.PublicKeys()},
		}}
	}
	abFed, err := federation.New(federation.Config{Node: ab.Node, Trust: trustFor(abSrvBC.URL)})
	if err != nil {
		t.Fatal(err)
	}
	onFed, err := federation.New(federation.Config{Node: on.Node, Trust: trustFor(onSrvBC.URL)})
	if err != nil {
		t.Fatal(err)
	}
	abSwap.set(openapi.New(openapi.Config{Node: ab.Node, Extra: []func(huma.API, *openapi.Helpers){openapi.PeerOps(abFed)}}))
	onSwap.set(openapi.New(openapi.Config{Node: on.Node, Extra: []func(huma.API, *openapi.Helpers){openapi.PeerOps(onFed)}}))
	sync := func(fed *federation.Federation, who, j string) federation.PeerStatus {
		st, err := fed.Sync(t.Context(), registry.Jurisdiction(j))
		t.Logf("%s syncs %s: state %s seq %d peer_size %d err %v", who, j, st.State, st.Seq, st.PeerSize, err)
		return st
	}
	forAB.set([]string{e1, f.good(2, 1, "222222226")}, -1)                            // fork A
	sync(abFed, "CA-AB", "CA-BC")                                                     // AB at 2 (A)
	sync(onFed, "CA-ON", "CA-AB")                                                     // ON reads AB's BC@2 while ON holds 0: noted
	forON.set([]string{e1, f.good(2, 2, "111111118"), f.good(3, 1, "333333334")}, -1) // fork B
	sync(onFed, "CA-ON", "CA-BC")                                                     // ON at 3 (B), past AB's BC@2
	sync(abFed, "CA-AB", "CA-ON")                                                     // AB reads ON's BC@3 while AB holds 2: noted
	if restart {
		if err := ab.DB.Close(); err != nil {
			t.Fatal(err)
		}
		ab = nodetest.New(t, "CA-AB", nodetest.Options{Dir: ab.Dir})
		if abFed, err = federation.New(federation.Config{Node: ab.Node, Trust: trustFor(abSrvBC.URL)}); err != nil {
			t.Fatal(err)
		}
		abSwap.set(openapi.New(openapi.Config{Node: ab.Node, Extra: []func(huma.API, *openapi.Helpers){openapi.PeerOps(abFed)}}))
	}
	forAB.set([]string{e1, f.good(2, 1, "222222226"), f.good(3, 1, "444444442")}, -1) // fork A grows
	stAB := sync(abFed, "CA-AB", "CA-BC")                                             // AB at 3 (A), past ON's BC@3
	stON, _ := onFed.Sync(t.Context(), "CA-BC")
	for _, st := range []struct {
		who string
		st  federation.PeerStatus
	}{{"CA-AB", stAB}, {"CA-ON", stON}} {
		if !st.st.Misbehaving || st.st.Evidence == nil || len(st.st.Evidence.Checkpoints) < 2 {
			t.Errorf("CA-BC showed CA-AB and CA-ON two histories; %s holds a CA-BC-signed checkpoint (relayed by the other) that its replica contradicts, yet says %s (seq %d, evidence %+v)",
				st.who, st.st.State, st.st.Seq, st.st.Evidence)
		}
	}
}
