package federation_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/openapi"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// countingSwap serves whatever handler it holds now, so that a restarted
// node keeps its URL (the federation file pins it). It counts the feed
// requests and remembers their after= values.
type countingSwap struct {
	h atomic.Pointer[http.Handler]

	mu     sync.Mutex
	afters []uint64
}

func (s *countingSwap) set(h http.Handler) { s.h.Store(&h) }

func (s *countingSwap) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/v1/feed" {
		after, _ := strconv.ParseUint(r.URL.Query().Get("after"), 10, 64)
		s.mu.Lock()
		s.afters = append(s.afters, after)
		s.mu.Unlock()
	}
	(*s.h.Load()).ServeHTTP(w, r)
}

// feedAfters returns the after= values of the feed requests so far and
// forgets them.
func (s *countingSwap) feedAfters() []uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.afters
	s.afters = nil
	return out
}

// syncNode is one node of a test federation.
type syncNode struct {
	j   registry.Jurisdiction
	n   *nodetest.Node
	srv *httptest.Server
	h   *countingSwap
	fed *federation.Federation
}

// syncCluster is a federation of real nodes, each behind the real HTTP handler.
type syncCluster struct {
	t       *testing.T
	members map[registry.Jurisdiction]*syncNode
	trust   *federation.Trust
	cfg     federation.Config // template: Node and Trust are filled in per node
}

// newSyncCluster starts a seeded node per jurisdiction, writes a federation
// file pinning each node's keys, and gives every node its Federation.
func newSyncCluster(t *testing.T, cfg federation.Config, js ...registry.Jurisdiction) *syncCluster {
	t.Helper()
	return newSyncClusterWith(t, cfg, nil, js...)
}

// newSyncClusterWith is newSyncCluster with the node options of some
// members (Seed is always set).
func newSyncClusterWith(t *testing.T, cfg federation.Config, opts map[registry.Jurisdiction]nodetest.Options, js ...registry.Jurisdiction) *syncCluster {
	t.Helper()
	c := &syncCluster{t: t, members: map[registry.Jurisdiction]*syncNode{}, cfg: cfg}
	var ms []federation.Member
	for _, j := range js {
		o := opts[j]
		o.Seed = true
		m := &syncNode{j: j, n: nodetest.New(t, j, o), h: &countingSwap{}}
		m.h.set(http.NotFoundHandler())
		m.srv = httptest.NewServer(m.h)
		t.Cleanup(m.srv.Close)
		c.members[j] = m
		ms = append(ms, federation.Member{Jurisdiction: j, URL: m.srv.URL, Keys: m.n.PublicKeys()})
	}
	file, err := federation.MarshalTrust("test", ms)
	if err != nil {
		t.Fatal(err)
	}
	if c.trust, err = federation.ParseTrust(file); err != nil {
		t.Fatal(err)
	}
	for _, m := range c.members {
		c.start(m)
	}
	return c
}

// start builds m's Federation over its node and serves the node's handler
// with the peer operations.
func (c *syncCluster) start(m *syncNode) {
	c.t.Helper()
	cfg := c.cfg
	cfg.Node, cfg.Trust = m.n.Node, c.trust
	fed, err := federation.New(cfg)
	if err != nil {
		c.t.Fatal(err)
	}
	m.fed = fed
	m.h.set(openapi.New(openapi.Config{Node: m.n.Node, Extra: []func(huma.API, *openapi.Helpers){openapi.PeerOps(fed)}}))
}

// restart closes m's store and reopens the node from the same directory,
// as a process restart would, with a new Federation.
func (c *syncCluster) restart(m *syncNode) {
	c.t.Helper()
	if err := m.n.DB.Close(); err != nil {
		c.t.Fatal(err)
	}
	m.n = nodetest.New(c.t, m.j, nodetest.Options{Dir: m.n.Dir})
	c.start(m)
}

// syncAll syncs every syncNode from its peers and fails on any error.
func (c *syncCluster) syncAll() {
	c.t.Helper()
	for _, j := range sortedJurisdictions(c.members) {
		for _, st := range c.members[j].fed.SyncAll(c.t.Context()) {
			if st.LastError != "" || st.State != federation.StateSynced {
				c.t.Fatalf("%s syncing %s: got state %q, error %q; want synced", j, st.Jurisdiction, st.State, st.LastError)
			}
		}
	}
}

func sortedJurisdictions[V any](m map[registry.Jurisdiction]V) []registry.Jurisdiction {
	var out []registry.Jurisdiction
	for j := range m {
		out = append(out, j)
	}
	slices.Sort(out)
	return out
}

// replica returns every entry of the replica of peer j in n's store.
func replicaOf(t testing.TB, n *node.Node, j registry.Jurisdiction) []registry.Entry {
	t.Helper()
	var es []registry.Entry
	err := n.View(context.Background(), func(s node.Snapshot) error {
		var err error
		es, err = s.Replica(j).Entries(0, registry.MaxScan)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return es
}

// feed returns every entry of n's own feed.
func feedOf(t testing.TB, n *node.Node) []registry.Entry {
	t.Helper()
	es, _, err := n.Feed(context.Background(), 0, registry.MaxScan)
	if err != nil {
		t.Fatal(err)
	}
	return es
}

// checkReplicas checks that every syncNode's replica of every other syncNode
// equals that syncNode's feed, entry for entry.
func (c *syncCluster) checkReplicas() {
	c.t.Helper()
	for _, a := range sortedJurisdictions(c.members) {
		for _, b := range sortedJurisdictions(c.members) {
			if a == b {
				continue
			}
			want := feedOf(c.t, c.members[b].n.Node)
			got := replicaOf(c.t, c.members[a].n.Node, b)
			if len(got) != len(want) {
				c.t.Fatalf("%s's replica of %s: got %d entries, want %d", a, b, len(got), len(want))
			}
			for i := range want {
				if got[i].JWS != want[i].JWS {
					c.t.Fatalf("%s's replica of %s, seq %d: JWS differs", a, b, want[i].Seq)
				}
				if !reflect.DeepEqual(got[i], want[i]) {
					c.t.Fatalf("%s's replica of %s, seq %d: got %+v, want %+v", a, b, want[i].Seq, got[i], want[i])
				}
			}
		}
	}
}

func TestFederationReplicatesEveryFeed(t *testing.T) {
	c := newSyncCluster(t, federation.Config{PageSize: 7}, "CA-AB", "CA-BC", "CA-MB")
	for _, m := range c.members {
		ps, err := m.fed.Peers(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range ps {
			if p.State != federation.StateNever || p.Seq != 0 {
				t.Errorf("%s's status of %s before any sync: got state %q seq %d, want never, 0", m.j, p.Jurisdiction, p.State, p.Seq)
			}
		}
	}
	c.syncAll()
	c.checkReplicas()
	for _, a := range sortedJurisdictions(c.members) {
		m := c.members[a]
		if got, want := m.fed.Members()[0], a; got != want {
			t.Errorf("%s: Members()[0] = %s, want %s", a, got, want)
		}
		ps, _ := m.fed.Peers(t.Context())
		if len(ps) != 2 {
			t.Fatalf("%s: got %d peers, want 2", a, len(ps))
		}
		for _, p := range ps {
			size := uint64(len(feedOf(t, c.members[p.Jurisdiction].n.Node)))
			if p.Seq != size || p.PeerSize != size || p.EntriesVerified != size || p.Refused != 0 {
				t.Errorf("%s's status of %s: got seq %d peer_size %d verified %d refused %d, want %d, %d, %d, 0",
					a, p.Jurisdiction, p.Seq, p.PeerSize, p.EntriesVerified, p.Refused, size, size, size)
			}
			wantKID := c.members[p.Jurisdiction].n.ActiveKey().KID
			if !reflect.DeepEqual(p.Keys, []string{wantKID}) {
				t.Errorf("%s's status of %s: got keys %v, want [%s]", a, p.Jurisdiction, p.Keys, wantKID)
			}
			if p.LastSuccess.IsZero() || p.LastAttempt.IsZero() {
				t.Errorf("%s's status of %s: no last attempt or success time", a, p.Jurisdiction)
			}
		}
	}
	// A second sync finds nothing new and fetches one page per peer.
	for _, m := range c.members {
		m.h.feedAfters()
	}
	c.syncAll()
	for _, j := range sortedJurisdictions(c.members) {
		m := c.members[j]
		if got, want := m.h.feedAfters(), []uint64{uint64(len(feedOf(t, m.n.Node))), uint64(len(feedOf(t, m.n.Node)))}; !reflect.DeepEqual(got, want) {
			t.Errorf("feed requests to %s on a sync with nothing new: got after=%v, want %v", j, got, want)
		}
	}
}

func TestWritePropagates(t *testing.T) {
	c := newSyncCluster(t, federation.Config{}, "CA-AB", "CA-BC", "CA-MB")
	c.syncAll()
	ab := c.members["CA-AB"]
	emp := registry.Employer{BN: "123456782", LegalName: "Quillwort Formwork Inc.", OperatingNames: []string{"Quillwort Forms"}, SizeBand: "standard"}
	e, err := ab.n.PutEmployer(t.Context(), nodetest.Admin(), emp, true)
	if err != nil {
		t.Fatal(err)
	}
	emp.EmployeeCount = 12
	e2, err := ab.n.PutEmployer(t.Context(), nodetest.Admin(), emp, false)
	if err != nil {
		t.Fatal(err)
	}
	c.syncAll()
	c.checkReplicas()
	for _, j := range []registry.Jurisdiction{"CA-BC", "CA-MB"} {
		var refs []registry.RecordRef
		var latest registry.Entry
		err := c.members[j].n.View(t.Context(), func(s node.Snapshot) error {
			l := s.Replica("CA-AB")
			var err error
			if refs, err = l.Lookup("name", "quillwort", true, 10); err != nil {
				return err
			}
			latest, err = l.Latest(registry.KindEmployer, emp.BN)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if want := []registry.RecordRef{{Kind: registry.KindEmployer, ID: emp.BN}}; !reflect.DeepEqual(refs, want) {
			t.Errorf("%s: name lookup in the replica of CA-AB: got %v, want %v", j, refs, want)
		}
		if latest.JWS != e2.JWS || latest.Ver != 2 || e.Ver != 1 {
			t.Errorf("%s: newest replicated version: got v%d, want v2 (the JWS of AB's v2)", j, latest.Ver)
		}
	}
}

func TestRestartResumesFromStoredSeq(t *testing.T) {
	c := newSyncCluster(t, federation.Config{PageSize: 5}, "CA-AB", "CA-BC", "CA-MB")
	c.syncAll()
	ab, bc := c.members["CA-AB"], c.members["CA-BC"]
	before, _ := ab.fed.Peers(t.Context())
	c.restart(ab)
	after, err := ab.fed.Peers(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for i := range before {
		b, a := before[i], after[i]
		if a.Seq != b.Seq || a.PeerSize != b.PeerSize || !a.LastSuccess.Equal(b.LastSuccess) || a.State != federation.StateSynced {
			t.Errorf("status of %s after restart: got seq %d peer_size %d last_success %v state %s, want %d, %d, %v, synced",
				a.Jurisdiction, a.Seq, a.PeerSize, a.LastSuccess, a.State, b.Seq, b.PeerSize, b.LastSuccess)
		}
		if a.EntriesVerified != 0 {
			t.Errorf("status of %s after restart: entries_verified %d, want 0 (counted since start)", a.Jurisdiction, a.EntriesVerified)
		}
	}
	bcSize := uint64(len(feedOf(t, bc.n.Node)))
	if _, err := bc.n.PutEmployer(t.Context(), nodetest.Admin(), registry.Employer{BN: "123456782", LegalName: "Coastal Rigging"}, true); err != nil {
		t.Fatal(err)
	}
	bc.h.feedAfters()
	st, err := ab.fed.Sync(t.Context(), "CA-BC")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := bc.h.feedAfters(), []uint64{bcSize}; !reflect.DeepEqual(got, want) {
		t.Errorf("feed requests after restart: got after=%v, want %v (resume, no refetch)", got, want)
	}
	if st.Seq != bcSize+1 || st.EntriesVerified != 1 {
		t.Errorf("after restart and one new entry: got seq %d, verified %d; want %d, 1", st.Seq, st.EntriesVerified, bcSize+1)
	}
	c.syncAll()
	c.checkReplicas()
}

// rotate gives m's node a new active key, retiring the old one, and
// restarts it: on start the node announces the new key in an entry signed
// by the old one.
func (c *syncCluster) rotate(m *syncNode) *jose.Key {
	c.t.Helper()
	k, err := m.n.Keys.Rotate(jose.EdDSA, nodetest.Now)
	if err != nil {
		c.t.Fatal(err)
	}
	if err := m.n.Keys.Save(filepath.Join(m.n.Dir, "keys.json")); err != nil {
		c.t.Fatal(err)
	}
	c.restart(m)
	return k
}

func TestKeyRotationIsFollowed(t *testing.T) {
	c := newSyncCluster(t, federation.Config{}, "CA-AB", "CA-BC", "CA-MB")
	c.syncAll()
	ab, bc := c.members["CA-AB"], c.members["CA-BC"]
	oldKID := bc.n.ActiveKey().KID
	newKey := c.rotate(bc)
	e, err := bc.n.PutEmployer(t.Context(), nodetest.Admin(), registry.Employer{BN: "123456782", LegalName: "Coastal Rigging"}, true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (jose.NewKeySet(newKey.Public())).Verify([]byte(e.JWS)); err != nil {
		t.Fatalf("the new entry is not signed by the new key: %v", err)
	}
	if pinned, _ := c.trust.Member("CA-BC"); pinned.Keys.Len() != 1 {
		t.Fatalf("the federation file pins %d keys for CA-BC, want 1 (the old one)", pinned.Keys.Len())
	}
	c.syncAll()
	c.checkReplicas()
	st, _ := ab.fed.Sync(t.Context(), "CA-BC")
	if want := []string{oldKID, newKey.KID}; !reflect.DeepEqual(st.Keys, want) {
		t.Errorf("keys trusted for CA-BC after its rotation: got %v, want %v", st.Keys, want)
	}
	// The rotated-in key survives a restart of the follower.
	c.restart(ab)
	ks, ok := ab.fed.KeySet("CA-BC")
	if !ok {
		t.Fatal("KeySet(CA-BC): not a syncNode")
	}
	if _, ok := ks.Lookup(newKey.KID); !ok {
		t.Errorf("after the follower's restart: key %s is no longer trusted for CA-BC", newKey.KID)
	}
	if _, err := bc.n.PutEmployer(t.Context(), nodetest.Admin(), registry.Employer{BN: "864201355", LegalName: "Fraser Scaffold"}, true); err != nil {
		t.Fatal(err)
	}
	c.syncAll()
	c.checkReplicas()
}

func TestUnannouncedKeyIsRefused(t *testing.T) {
	c := newSyncCluster(t, federation.Config{}, "CA-AB", "CA-BC")
	c.syncAll()
	ab, bc := c.members["CA-AB"], c.members["CA-BC"]
	size := uint64(len(feedOf(t, bc.n.Node)))
	// Someone replaces BC's key file: the old key is gone, so a new key
	// could only introduce itself, signed by itself. The node refuses to
	// start so (TestNewRefusesAStoreOfOtherKeys); a member that did it
	// anyway (an older build, or on purpose) is written here by hand: the
	// self-introduction appended to its store, and the node reopened with
	// its own keys.
	ring := &jose.Keyring{}
	if _, err := ring.Rotate(jose.EdDSA, nodetest.Now); err != nil {
		t.Fatal(err)
	}
	k := ring.Active()
	jwk, err := k.Public().JWK()
	if err != nil {
		t.Fatal(err)
	}
	rec, err := json.Marshal(registry.KeyAnnouncement{KID: k.KID, Alg: k.Alg, JWK: json.RawMessage(jwk), Status: k.Status})
	if err != nil {
		t.Fatal(err)
	}
	env := registry.Envelope{Iss: "CA-BC", Seq: size + 1, Kind: registry.KindKey, ID: k.KID, Ver: 1, Iat: nodetest.Now.Unix(), Record: rec}
	payload, err := registry.EncodeEnvelope(env)
	if err != nil {
		t.Fatal(err)
	}
	jws, err := k.Sign(payload, node.EntryType)
	if err != nil {
		t.Fatal(err)
	}
	err = bc.n.DB.Store().Update(t.Context(), func(tx registry.StoreWriteTx) error {
		return tx.Log(node.SelfLog).Append(registry.Entry{Iss: env.Iss, Seq: env.Seq, Kind: env.Kind, ID: env.ID, Ver: env.Ver, Iat: env.Iat, Record: env.Record, JWS: jws})
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := bc.n.DB.Close(); err != nil {
		t.Fatal(err)
	}
	bc.n = nodetest.New(t, "CA-BC", nodetest.Options{Dir: bc.n.Dir})
	bc.h.set(openapi.New(openapi.Config{Node: bc.n.Node}))
	st, err := ab.fed.Sync(t.Context(), "CA-BC")
	if !errors.Is(err, registry.ErrUnverified) {
		t.Fatalf("sync of a feed whose new key was never announced by a trusted key: got %v, want ErrUnverified", err)
	}
	if st.Seq != size || st.Refused != 1 || st.State != federation.StateError || st.LastError == "" {
		t.Errorf("status: got seq %d refused %d state %q error %q, want %d, 1, error, the reason", st.Seq, st.Refused, st.State, st.LastError, size)
	}
	if got := uint64(len(replicaOf(t, ab.n.Node, "CA-BC"))); got != size {
		t.Errorf("replica size: got %d, want %d (nothing of the new key stored)", got, size)
	}
	if ks, _ := ab.fed.KeySet("CA-BC"); ks.Len() != 1 {
		t.Errorf("keys trusted for CA-BC: got %d, want 1", ks.Len())
	}
}

func TestNewChecksTheFederationFile(t *testing.T) {
	n := nodetest.New(t, "CA-AB", nodetest.Options{})
	other := nodetest.New(t, "CA-BC", nodetest.Options{})
	stranger, err := jose.GenerateKey(jose.EdDSA, nodetest.Now)
	if err != nil {
		t.Fatal(err)
	}
	trust := func(ms ...federation.Member) *federation.Trust { return &federation.Trust{Name: "t", Members: ms} }
	self := federation.Member{Jurisdiction: "CA-AB", URL: "http://ab.invalid", Keys: n.PublicKeys()}
	bc := federation.Member{Jurisdiction: "CA-BC", URL: "http://bc.invalid", Keys: other.PublicKeys()}
	for _, tc := range []struct {
		name    string
		trust   *federation.Trust
		wantErr bool
		members []registry.Jurisdiction
	}{
		{"no federation file", nil, false, []registry.Jurisdiction{"CA-AB"}},
		{"only the node itself", trust(self), false, []registry.Jurisdiction{"CA-AB"}},
		{"node and a peer", trust(bc, self), false, []registry.Jurisdiction{"CA-AB", "CA-BC"}},
		{"node not listed", trust(bc), true, nil},
		{"someone else's key pinned for the node", trust(federation.Member{Jurisdiction: "CA-AB", URL: self.URL, Keys: jose.NewKeySet(stranger.Public())}, bc), true, nil},
		{"the peer's key pinned for the node", trust(federation.Member{Jurisdiction: "CA-AB", URL: self.URL, Keys: other.PublicKeys()}, bc), true, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := federation.New(federation.Config{Node: n.Node, Trust: tc.trust})
			if gotErr := err != nil; gotErr != tc.wantErr {
				t.Fatalf("New: got error %v, want error: %v", err, tc.wantErr)
			}
			if err != nil {
				if !errors.Is(err, registry.ErrInvalid) {
					t.Errorf("New: got %v, want ErrInvalid", err)
				}
				return
			}
			if got := f.Members(); !reflect.DeepEqual(got, tc.members) {
				t.Errorf("Members: got %v, want %v", got, tc.members)
			}
			if _, err := f.Sync(t.Context(), "CA-AB"); !errors.Is(err, registry.ErrNotFound) {
				t.Errorf("Sync(self): got %v, want ErrNotFound", err)
			}
			if ks, ok := f.KeySet("CA-AB"); !ok || ks.Len() != 1 {
				t.Errorf("KeySet(self): got %d keys (%v), want the node's 1", ks.Len(), ok)
			}
			if _, ok := f.KeySet("CA-ON"); ok {
				t.Errorf("KeySet(CA-ON): got ok for a non-syncNode")
			}
		})
	}
}

func TestRunSyncsUntilCancelled(t *testing.T) {
	c := newSyncCluster(t, federation.Config{Interval: 20 * time.Millisecond}, "CA-AB", "CA-BC")
	ab, bc := c.members["CA-AB"], c.members["CA-BC"]
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { ab.fed.Run(ctx); close(done) }()
	want := uint64(len(feedOf(t, bc.n.Node))) + 1
	if _, err := bc.n.PutEmployer(t.Context(), nodetest.Admin(), registry.Employer{BN: "123456782", LegalName: "Coastal Rigging"}, true); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Minute) // a failure guard, not a timing
	for {
		ps, _ := ab.fed.Peers(t.Context())
		if ps[0].Seq == want {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Run: replica of CA-BC at seq %d after 2 minutes, want %d", ps[0].Seq, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		t.Fatal("Run did not return after its context was cancelled")
	}
}
