package federation_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/openapi"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/logproof"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// The tests of this file are the federation's TestClientFork: a node signs
// two histories of its log, and the members that follow it must catch it,
// keep the signed evidence, show it in /v1/peers and refuse the node from
// then on.

// forkOf copies m's data directory (keys and store) as it is now and
// returns a second node running on the copy: the same keys, the same log,
// free to diverge. m is restarted on its own directory.
func forkOf(c *syncCluster, m *syncNode) *nodetest.Node {
	c.t.Helper()
	return forkNode(c.t, m.n, func(n *nodetest.Node) { m.n = n; c.start(m) })
}

// forkNode closes n's store, copies its directory, reopens n (passing the
// new *nodetest.Node to reopened) and opens a node on the copy.
func forkNode(t *testing.T, n *nodetest.Node, reopened func(*nodetest.Node)) *nodetest.Node {
	t.Helper()
	j := n.Jurisdiction()
	if err := n.DB.Close(); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, name := range []string{"keys.json", "corfed.db"} {
		b, err := os.ReadFile(filepath.Join(n.Dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	reopened(nodetest.New(t, j, nodetest.Options{Dir: n.Dir}))
	return nodetest.New(t, j, nodetest.Options{Dir: dir})
}

// getPeers reads GET /v1/peers of a node over HTTP.
func getPeers(t *testing.T, url string) openapi.Peers {
	t.Helper()
	resp, err := http.Get(url + "/v1/peers")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /v1/peers: HTTP %d: %s", resp.StatusCode, b)
	}
	var ps openapi.Peers
	if err := json.Unmarshal(b, &ps); err != nil {
		t.Fatal(err)
	}
	return ps
}

// checkEvidence checks that st reports origin misbehaving with evidence
// that holds by itself: every checkpoint verifies against origin's keys,
// and the evidence shows a real conflict (two checkpoints of one size with
// different roots, or a checkpoint whose root differs from the computed
// one at its size).
func checkEvidence(t *testing.T, st federation.PeerStatus, origin *nodetest.Node, by string) {
	t.Helper()
	if !st.Misbehaving || st.State != federation.StateMisbehaving || st.Evidence == nil {
		t.Fatalf("status of %s: got misbehaving %v state %q evidence %v; want misbehaving with evidence", st.Jurisdiction, st.Misbehaving, st.State, st.Evidence)
	}
	ev := st.Evidence
	if ev.DetectedBy != by || ev.Reason == "" {
		t.Errorf("evidence: got detected_by %q reason %q, want %q and a reason", ev.DetectedBy, ev.Reason, by)
	}
	var cps []logproof.Checkpoint
	for i, sc := range ev.Checkpoints {
		c, err := logproof.Verify(origin.PublicKeys(), logproof.Origin(origin.Jurisdiction()), sc.JWS)
		if err != nil {
			t.Fatalf("evidence checkpoint %d does not verify against %s's key: %v", i, origin.Jurisdiction(), err)
		}
		if string(c.Body()) != sc.Body {
			t.Errorf("evidence checkpoint %d: body %q is not what the JWS signs", i, sc.Body)
		}
		cps = append(cps, c)
	}
	switch {
	case len(cps) == 2 && cps[0].Size == cps[1].Size:
		if cps[0].Root == cps[1].Root {
			t.Errorf("evidence: two checkpoints of size %d with the same root: no conflict", cps[0].Size)
		}
	case ev.Computed != nil:
		found := false
		for _, c := range cps {
			if c.Size == ev.Computed.Size && c.Root.String() != ev.Computed.RootHash {
				found = true
			}
		}
		if !found {
			t.Errorf("evidence: no checkpoint conflicts with the computed root %+v", ev.Computed)
		}
	default:
		t.Errorf("evidence: %d checkpoints and no computed root: no conflict shown", len(cps))
	}
}

// checkRefused syncs j from m again and expects the refusal, with nothing
// new stored although the peer has new entries.
func checkRefused(t *testing.T, m *syncNode, j registry.Jurisdiction, writer *nodetest.Node) {
	t.Helper()
	before := len(replicaOf(t, m.n.Node, j))
	if _, err := writer.PutEmployer(t.Context(), nodetest.Admin(), registry.Employer{BN: "123456782", LegalName: "Later Ltd."}, true); err != nil {
		t.Fatal(err)
	}
	_, err := m.fed.Sync(t.Context(), j)
	if !errors.Is(err, registry.ErrUnverified) || !strings.Contains(err.Error(), "marked misbehaving") {
		t.Fatalf("sync of a misbehaving peer: got %v, want ErrUnverified (marked misbehaving)", err)
	}
	if got := len(replicaOf(t, m.n.Node, j)); got != before {
		t.Errorf("replica of %s: got %d entries, want still %d", j, got, before)
	}
}

func TestPeerRollingARevocationBackIsCaught(t *testing.T) {
	c := newSyncCluster(t, federation.Config{}, "CA-AB", "CA-BC")
	c.syncAll()
	ab, bc := c.members["CA-AB"], c.members["CA-BC"]
	fork := forkOf(c, ab)
	// The honest history: AB revokes a certificate, BC follows.
	if _, err := ab.n.ChangeStatus(t.Context(), nodetest.Admin(), "ACSA-20250417",
		node.StatusRequest{Action: "revoke", Reason: "Audit found falsified records"}); err != nil {
		t.Fatal(err)
	}
	if st, err := bc.fed.Sync(t.Context(), "CA-AB"); err != nil || st.Misbehaving {
		t.Fatalf("honest sync: got %v, misbehaving %v", err, st.Misbehaving)
	}
	// The rewritten one: from the same data, the revocation never
	// happened; another entry, with the certificate still active, takes
	// its seq. AB now serves that.
	e, err := fork.UpdateCertificate(t.Context(), nodetest.Admin(), "ACSA-20250417", node.CertificateUpdate{Sector: "construction", IndustryScope: []string{"238120", "238190"}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(e.Record), `"status":"active"`) {
		t.Fatalf("the fork's certificate: %s, want it active", e.Record)
	}
	ab.h.set(openapi.New(openapi.Config{Node: fork.Node}))
	size := len(replicaOf(t, bc.n.Node, "CA-AB"))
	st, err := bc.fed.Sync(t.Context(), "CA-AB")
	if !errors.Is(err, registry.ErrUnverified) {
		t.Fatalf("sync of the rewritten log: got %v, want ErrUnverified", err)
	}
	checkEvidence(t, st, fork, "sync")
	if len(st.Evidence.Checkpoints) != 2 {
		t.Errorf("evidence: got %d checkpoints, want both signed checkpoints of size %d", len(st.Evidence.Checkpoints), size)
	}
	if got := len(replicaOf(t, bc.n.Node, "CA-AB")); got != size {
		t.Errorf("replica: got %d entries, want %d", got, size)
	}
	// /v1/peers shows it, also after a restart.
	ps := getPeers(t, bc.srv.URL)
	if len(ps.Peers) != 1 || !ps.Peers[0].Misbehaving || ps.Peers[0].Evidence == nil || len(ps.Peers[0].Evidence.Checkpoints) != 2 {
		t.Fatalf("GET /v1/peers: got %+v, want CA-AB misbehaving with two checkpoints", ps.Peers)
	}
	c.restart(bc)
	ps = getPeers(t, bc.srv.URL)
	checkEvidence(t, ps.Peers[0], fork, "sync")
	checkRefused(t, bc, "CA-AB", fork)
}

func TestPeerDroppingAnEntryIsCaught(t *testing.T) {
	c := newSyncCluster(t, federation.Config{}, "CA-AB", "CA-BC")
	c.syncAll()
	ab, bc := c.members["CA-AB"], c.members["CA-BC"]
	fork := forkOf(c, ab)
	first := registry.Employer{BN: mkBN(t, "10000000"), LegalName: "Dropped Ltd."}
	second := registry.Employer{BN: mkBN(t, "20000000"), LegalName: "Kept Ltd."}
	for _, e := range []registry.Employer{first, second} {
		if _, err := ab.n.PutEmployer(t.Context(), nodetest.Admin(), e, true); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := bc.fed.Sync(t.Context(), "CA-AB"); err != nil {
		t.Fatal(err)
	}
	// The fork has the second entry but not the first: one entry shorter,
	// with a different entry at the first one's seq.
	if _, err := fork.PutEmployer(t.Context(), nodetest.Admin(), second, true); err != nil {
		t.Fatal(err)
	}
	ab.h.set(openapi.New(openapi.Config{Node: fork.Node}))
	st, err := bc.fed.Sync(t.Context(), "CA-AB")
	if !errors.Is(err, registry.ErrUnverified) || !strings.Contains(err.Error(), "rewrote its history") {
		t.Fatalf("sync of a log that dropped an entry: got %v, want ErrUnverified (rewrote its history)", err)
	}
	checkEvidence(t, st, fork, "sync")
	if st.Evidence.Computed == nil {
		t.Errorf("evidence: want the root computed over the entries AB signed")
	}
	checkEvidence(t, getPeers(t, bc.srv.URL).Peers[0], fork, "sync")
	checkRefused(t, bc, "CA-AB", fork)
}

// TestPeerForkingItsLogForTwoPeersIsCaught: AB shows BC one history and ON
// another, each consistent in itself, so that neither can tell from AB
// alone. BC and ON witness each other's checkpoints of AB and catch it.
func TestPeerForkingItsLogForTwoPeersIsCaught(t *testing.T) {
	ab := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true})
	fork := forkNode(t, ab, func(n *nodetest.Node) { ab = n })
	if _, err := ab.PutEmployer(t.Context(), nodetest.Admin(), registry.Employer{BN: mkBN(t, "10000000"), LegalName: "For BC Ltd."}, true); err != nil {
		t.Fatal(err)
	}
	if _, err := fork.PutEmployer(t.Context(), nodetest.Admin(), registry.Employer{BN: mkBN(t, "20000000"), LegalName: "For ON Ltd."}, true); err != nil {
		t.Fatal(err)
	}
	forBC := httptest.NewServer(openapi.New(openapi.Config{Node: ab.Node}))
	t.Cleanup(forBC.Close)
	forON := httptest.NewServer(openapi.New(openapi.Config{Node: fork.Node}))
	t.Cleanup(forON.Close)

	type member struct {
		n   *nodetest.Node
		h   *swap
		srv *httptest.Server
		fed *federation.Federation
	}
	ms := map[registry.Jurisdiction]*member{}
	for _, j := range []registry.Jurisdiction{"CA-BC", "CA-ON"} {
		m := &member{n: nodetest.New(t, j, nodetest.Options{Seed: true}), h: &swap{}}
		m.h.set(http.NotFoundHandler())
		m.srv = httptest.NewServer(m.h)
		t.Cleanup(m.srv.Close)
		ms[j] = m
	}
	// The same federation, but AB's URL differs: that is how AB tells
	// its two audiences apart.
	for j, abURL := range map[registry.Jurisdiction]string{"CA-BC": forBC.URL, "CA-ON": forON.URL} {
		m := ms[j]
		tr := &federation.Trust{Name: "split", Members: []federation.Member{
			{Jurisdiction: "CA-AB", URL: abURL, Keys: ab.PublicKeys()},
			{Jurisdiction: "CA-BC", URL: ms["CA-BC"].srv.URL, Keys: ms["CA-BC"].n.PublicKeys()},
			{Jurisdiction: "CA-ON", URL: ms["CA-ON"].srv.URL, Keys: ms["CA-ON"].n.PublicKeys()},
		}}
		var err error
		if m.fed, err = federation.New(federation.Config{Node: m.n.Node, Trust: tr, PeerTimeout: 2 * time.Second}); err != nil {
			t.Fatal(err)
		}
		m.h.set(openapi.New(openapi.Config{Node: m.n.Node, Extra: []func(huma.API, *openapi.Helpers){openapi.PeerOps(m.fed)}}))
	}
	bc, on := ms["CA-BC"], ms["CA-ON"]
	// Each follows AB on its own and sees nothing wrong.
	for _, m := range []*member{bc, on} {
		if st, err := m.fed.Sync(t.Context(), "CA-AB"); err != nil || st.Misbehaving {
			t.Fatalf("sync of AB: got %v, misbehaving %v", err, st.Misbehaving)
		}
	}
	// Each syncs the other, and reads the other's witnessed checkpoints.
	for _, x := range []struct {
		m    *member
		from registry.Jurisdiction
	}{{bc, "CA-ON"}, {on, "CA-BC"}} {
		st, err := x.m.fed.Sync(t.Context(), x.from)
		if err != nil || st.Misbehaving {
			t.Fatalf("%s syncing %s: got %v, misbehaving %v; want success (the witness only relayed AB's checkpoint)",
				x.m.n.Jurisdiction(), x.from, err, st.Misbehaving)
		}
		ps := getPeers(t, x.m.srv.URL)
		var abSt federation.PeerStatus
		for _, p := range ps.Peers {
			if p.Jurisdiction == "CA-AB" {
				abSt = p
			}
		}
		checkEvidence(t, abSt, ab, "witness")
		if ev := abSt.Evidence; len(ev.Checkpoints) != 2 || ev.Checkpoints[1].Witness != x.from || ev.Checkpoints[1].Cosignature == "" {
			t.Errorf("evidence at %s: got %+v, want our checkpoint and the one %s witnessed, with its cosignature", x.m.n.Jurisdiction(), ev.Checkpoints, x.from)
		}
	}
	// From then on AB's entries are refused by both.
	if _, err := ab.PutEmployer(t.Context(), nodetest.Admin(), registry.Employer{BN: "123456782", LegalName: "Later Ltd."}, true); err != nil {
		t.Fatal(err)
	}
	for _, m := range []*member{bc, on} {
		before := len(replicaOf(t, m.n.Node, "CA-AB"))
		if _, err := m.fed.Sync(t.Context(), "CA-AB"); !errors.Is(err, registry.ErrUnverified) {
			t.Errorf("%s syncing AB after the split view: got %v, want ErrUnverified", m.n.Jurisdiction(), err)
		}
		if got := len(replicaOf(t, m.n.Node, "CA-AB")); got != before {
			t.Errorf("%s's replica of AB: got %d entries, want still %d", m.n.Jurisdiction(), got, before)
		}
	}
}

func TestWitnessedCheckpointsAreCosigned(t *testing.T) {
	c := newSyncCluster(t, federation.Config{}, "CA-AB", "CA-BC", "CA-ON")
	c.syncAll()
	c.syncAll() // the second round compares witnessed checkpoints that all agree
	bc := c.members["CA-BC"]
	resp, err := http.Get(bc.srv.URL + "/v1/log/witnessed")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var w federation.Witnessed
	if err := json.NewDecoder(resp.Body).Decode(&w); err != nil {
		t.Fatal(err)
	}
	if w.Witness != "CA-BC" || len(w.Checkpoints) != 2 {
		t.Fatalf("witnessed: got witness %s, %d checkpoints; want CA-BC, 2", w.Witness, len(w.Checkpoints))
	}
	for i, j := range []registry.Jurisdiction{"CA-AB", "CA-ON"} {
		wc := w.Checkpoints[i]
		origin := c.members[j].n
		cp, err := logproof.Verify(origin.PublicKeys(), logproof.Origin(j), wc.JWS)
		if err != nil {
			t.Fatalf("witnessed %s: %v", j, err)
		}
		if err := logproof.VerifyCosignature(bc.n.PublicKeys(), cp, wc.Cosignature); err != nil {
			t.Errorf("cosignature of %s's checkpoint: %v", j, err)
		}
		if want, _ := origin.Checkpoint(t.Context()); cp.Size != want.Size || cp.Root != want.Root {
			t.Errorf("witnessed %s: size %d root %s, want the origin's %d %s", j, cp.Size, cp.Root, want.Size, want.Root)
		}
	}
	for _, m := range c.members {
		for _, st := range m.fed.SyncAll(t.Context()) {
			if st.Misbehaving || st.Checkpoint == nil || st.Checkpoint.Size != st.Seq {
				t.Errorf("%s's status of %s: misbehaving %v checkpoint %+v seq %d; want an honest peer covered by a checkpoint of its size",
					m.j, st.Jurisdiction, st.Misbehaving, st.Checkpoint, st.Seq)
			}
		}
	}
}

// mkBN returns the BN9 of an 8-digit prefix.
func mkBN(t *testing.T, prefix string) string {
	t.Helper()
	c, err := registry.BNCheckDigit(prefix)
	if err != nil {
		t.Fatal(err)
	}
	return prefix + string(c)
}
