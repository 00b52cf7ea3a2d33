package federation_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
)

var b64 = base64.RawURLEncoding

// hostilePeer is a fake CA-BC node that serves a crafted /v1/feed: the
// entries' JWSs as given (the unsigned copies next to them are made up),
// or, with handler set, whatever handler does.
type hostilePeer struct {
	j   registry.Jurisdiction
	key *jose.Key // the key pinned for it

	mu      sync.Mutex
	jwss    []string
	size    int // reported size; -1: len(jwss)
	handler http.HandlerFunc
	logSize int // entries its signed checkpoint covers; 0: len(jwss)
}

func (h *hostilePeer) set(jwss []string, size int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.jwss, h.size, h.handler, h.logSize = jwss, size, nil, 0
}

func (h *hostilePeer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	jwss, size, handler, logSize := h.jwss, h.size, h.handler, h.logSize
	h.mu.Unlock()
	if handler != nil {
		handler(w, r)
		return
	}
	logged := jwss
	if logSize > 0 {
		logged = jwss[:logSize]
	}
	if serveLog(w, r, h.key, h.j, logged) {
		return
	}
	if r.URL.Path != "/v1/feed" {
		http.NotFound(w, r)
		return
	}
	after, _ := strconv.Atoi(r.URL.Query().Get("after"))
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	if size < 0 {
		size = len(jwss)
	}
	type entry struct {
		Iss    registry.Jurisdiction `json:"iss"`
		Seq    int                   `json:"seq"`
		Kind   registry.Kind         `json:"kind"`
		ID     string                `json:"id"`
		Ver    int                   `json:"ver"`
		Iat    int64                 `json:"iat"`
		Record json.RawMessage       `json:"record"`
		JWS    string                `json:"jws"`
	}
	page := struct {
		Jurisdiction registry.Jurisdiction `json:"jurisdiction"`
		Size         int                   `json:"size"`
		Entries      []entry               `json:"entries"`
		Next         int                   `json:"next"`
	}{Jurisdiction: h.j, Size: size, Entries: []entry{}, Next: after}
	for i := after; i < len(jwss) && len(page.Entries) < limit; i++ {
		// The unsigned copies lie: only the JWS may be believed.
		page.Entries = append(page.Entries, entry{Iss: "CA-ON", Seq: 999, Kind: registry.KindCP, ID: "LIE", Ver: 7,
			Record: json.RawMessage(`{"lie":true}`), JWS: jwss[i]})
		page.Next = i + 1
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(page)
}

// forger builds entries of CA-BC signed the way the test needs.
type forger struct {
	t   *testing.T
	key *jose.Key
}

// env returns the envelope of record (kind employer unless the id says
// otherwise) at seq, version ver.
func env(seq, ver uint64, id string) registry.Envelope {
	rec := fmt.Sprintf(`{"bn":%q,"legal_name":"Hostile %d"}`, id, seq)
	return registry.Envelope{Iss: "CA-BC", Seq: seq, Kind: registry.KindEmployer, ID: id, Ver: ver, Iat: nodetest.Now.Unix(), Record: json.RawMessage(rec)}
}

// sign signs env with k the honest way.
func (f forger) sign(k *jose.Key, e registry.Envelope) string {
	f.t.Helper()
	payload, err := registry.EncodeEnvelope(e)
	if err != nil {
		f.t.Fatal(err)
	}
	return f.signPayload(k, payload)
}

func (f forger) signPayload(k *jose.Key, payload []byte) string {
	f.t.Helper()
	tok, err := k.Sign(payload, node.EntryType)
	if err != nil {
		f.t.Fatal(err)
	}
	return tok
}

// good is an honest entry of the pinned key.
func (f forger) good(seq, ver uint64, id string) string { return f.sign(f.key, env(seq, ver, id)) }

// hand assembles a compact JWS from a raw header, a payload and a
// signature function over the signing input.
func hand(header string, payload []byte, sig func([]byte) []byte) string {
	input := b64.EncodeToString([]byte(header)) + "." + b64.EncodeToString(payload)
	return input + "." + b64.EncodeToString(sig([]byte(input)))
}

func payloadOf(e registry.Envelope) []byte {
	b, _ := registry.EncodeEnvelope(e)
	return b
}

// announce is a key announcement of k as an entry at seq, signed by signer.
func (f forger) announce(signer, k *jose.Key, seq uint64, kid string) string {
	f.t.Helper()
	jwk, err := k.Public().JWK()
	if err != nil {
		f.t.Fatal(err)
	}
	rec, _ := json.Marshal(registry.KeyAnnouncement{KID: kid, Alg: k.Alg, JWK: jwk, Status: jose.StatusActive})
	return f.sign(signer, registry.Envelope{Iss: "CA-BC", Seq: seq, Kind: registry.KindKey, ID: kid, Ver: 1, Iat: nodetest.Now.Unix(), Record: rec})
}

// hostileSetup is a real CA-AB node whose federation pins one key for a
// hostile CA-BC.
type hostileSetup struct {
	n    *nodetest.Node
	fed  *federation.Federation
	peer *hostilePeer
	srv  *httptest.Server
	f    forger
	cfg  federation.Config
	tr   *federation.Trust
}

func newHostile(t *testing.T, cfg federation.Config) *hostileSetup {
	t.Helper()
	key, err := jose.GenerateKey(jose.EdDSA, nodetest.Now)
	if err != nil {
		t.Fatal(err)
	}
	s := &hostileSetup{n: nodetest.New(t, "CA-AB", nodetest.Options{}), peer: &hostilePeer{j: "CA-BC", key: key, size: -1}, f: forger{t, key}}
	s.srv = httptest.NewServer(s.peer)
	t.Cleanup(s.srv.Close)
	s.tr = &federation.Trust{Name: "hostile", Members: []federation.Member{
		{Jurisdiction: "CA-AB", URL: "http://127.0.0.1:1", Keys: s.n.PublicKeys()},
		{Jurisdiction: "CA-BC", URL: s.srv.URL, Keys: jose.NewKeySet(key.Public())},
	}}
	cfg.Node, cfg.Trust = s.n.Node, s.tr
	s.cfg = cfg
	if s.fed, err = federation.New(cfg); err != nil {
		t.Fatal(err)
	}
	return s
}

// stored returns the JWSs of the replica of CA-BC.
func (s *hostileSetup) stored(t *testing.T) []string {
	var out []string
	for _, e := range replicaOf(t, s.n.Node, "CA-BC") {
		out = append(out, e.JWS)
	}
	return out
}

func errKind(err error) error {
	for _, k := range []error{registry.ErrUnverified, registry.ErrConflict, registry.ErrInvalid, registry.ErrUnavailable, registry.ErrNotFound} {
		if errors.Is(err, k) {
			return k
		}
	}
	return nil
}

func TestHostilePeersAreRefused(t *testing.T) {
	type tc struct {
		name string
		// feed returns the entries to serve; the first `good` of them are
		// honest and must be stored, nothing after them may be.
		feed     func(f forger) []string
		good     int
		handler  http.HandlerFunc // instead of a feed
		cfg      federation.Config
		wantKind error
		refused  uint64 // 1 when an entry is refused, 0 when the answer as a whole is
		wantText string
		// reportSize, if not 0, is the feed size the peer claims.
		reportSize int
	}
	other, err := jose.GenerateKey(jose.EdDSA, nodetest.Now)
	if err != nil {
		t.Fatal(err)
	}
	es256, err := jose.GenerateKey(jose.ES256, nodetest.Now)
	if err != nil {
		t.Fatal(err)
	}
	twoGood := func(f forger) []string { return []string{f.good(1, 1, "111111118"), f.good(2, 1, "222222226")} }
	then := func(bad func(f forger) []string) func(f forger) []string {
		return func(f forger) []string {
			out := append(twoGood(f), bad(f)...)
			return append(out, f.good(uint64(len(out)+1), 1, "333333334")) // an honest entry after the bad one
		}
	}
	cases := []tc{
		{name: "tampered payload (one byte)", good: 2, wantKind: registry.ErrUnverified, refused: 1, wantText: "does not verify",
			feed: then(func(f forger) []string {
				parts := strings.Split(f.good(3, 1, "444444442"), ".")
				p, _ := b64.DecodeString(parts[1])
				p = bytes.Replace(p, []byte("Hostile"), []byte("Hostilf"), 1)
				return []string{parts[0] + "." + b64.EncodeToString(p) + "." + parts[2]}
			})},
		{name: "signed by an unpinned key", good: 2, wantKind: registry.ErrUnverified, refused: 1, wantText: "unknown kid",
			feed: then(func(f forger) []string { return []string{f.sign(other, env(3, 1, "444444442"))} })},
		{name: "pinned kid, another key's signature", good: 2, wantKind: registry.ErrUnverified, refused: 1, wantText: "does not verify",
			feed: then(func(f forger) []string {
				priv, _ := other.RawEd25519()
				return []string{hand(`{"alg":"EdDSA","kid":"`+f.key.KID+`","typ":"`+node.EntryType+`"}`, payloadOf(env(3, 1, "444444442")),
					func(in []byte) []byte { return ed25519.Sign(priv, in) })}
			})},
		{name: "key carried in the header (jwk)", good: 2, wantKind: registry.ErrUnverified, refused: 1, wantText: "not allowed",
			feed: then(func(f forger) []string {
				priv, _ := other.RawEd25519()
				jwk, _ := other.Public().JWK()
				return []string{hand(`{"alg":"EdDSA","kid":"`+other.KID+`","jwk":`+string(jwk)+`}`, payloadOf(env(3, 1, "444444442")),
					func(in []byte) []byte { return ed25519.Sign(priv, in) })}
			})},
		{name: "another jurisdiction's record (iss CA-AB)", good: 2, wantKind: registry.ErrUnverified, refused: 1, wantText: "issued as",
			feed: then(func(f forger) []string {
				e := env(3, 1, "444444442")
				e.Iss = "CA-AB"
				return []string{f.sign(f.key, e)}
			})},
		{name: "alg none", good: 2, wantKind: registry.ErrUnverified, refused: 1, wantText: "not allowed",
			feed: then(func(f forger) []string {
				h := b64.EncodeToString([]byte(`{"alg":"none","kid":"` + f.key.KID + `"}`))
				return []string{h + "." + b64.EncodeToString(payloadOf(env(3, 1, "444444442"))) + "."}
			})},
		{name: "HS256 keyed with the pinned public key", good: 2, wantKind: registry.ErrUnverified, refused: 1, wantText: "not allowed",
			feed: then(func(f forger) []string {
				jwk, _ := f.key.Public().JWK()
				var j struct{ X string }
				json.Unmarshal(jwk, &j)
				raw, _ := b64.DecodeString(j.X)
				var out []string
				for _, secret := range [][]byte{raw, jwk} { // the raw key and its JWK, as confused verifiers use them
					out = append(out, hand(`{"alg":"HS256","kid":"`+f.key.KID+`"}`, payloadOf(env(3, 1, "444444442")), func(in []byte) []byte {
						m := hmac.New(sha256.New, secret)
						m.Write(in)
						return m.Sum(nil)
					}))
				}
				return out
			})},
		{name: "ES256 header over the pinned EdDSA kid", good: 2, wantKind: registry.ErrUnverified, refused: 1, wantText: "pinned for",
			feed: then(func(f forger) []string {
				tok := f.sign(es256, env(3, 1, "444444442"))
				parts := strings.Split(tok, ".")
				h := b64.EncodeToString([]byte(`{"alg":"ES256","kid":"` + f.key.KID + `","typ":"` + node.EntryType + `"}`))
				return []string{h + "." + parts[1] + "." + parts[2]}
			})},
		{name: "a token of another type (JWT)", good: 2, wantKind: registry.ErrUnverified, refused: 1, wantText: "typ",
			feed: then(func(f forger) []string {
				tok, err := f.key.Sign(payloadOf(env(3, 1, "444444442")), "JWT")
				if err != nil {
					t.Fatal(err)
				}
				return []string{tok}
			})},
		{name: "replayed old version", good: 3, wantKind: registry.ErrConflict, refused: 1, wantText: "versions never go backwards",
			feed: func(f forger) []string {
				return []string{f.good(1, 1, "111111118"), f.good(2, 2, "111111118"), f.good(3, 1, "222222226"), f.good(4, 1, "111111118"), f.good(5, 1, "333333334")}
			}},
		{name: "version skipped", good: 1, wantKind: registry.ErrConflict, refused: 1, wantText: "version",
			feed: func(f forger) []string { return []string{f.good(1, 1, "111111118"), f.good(2, 3, "111111118")} }},
		{name: "replayed entry (same JWS twice)", good: 2, wantKind: registry.ErrConflict, refused: 1, wantText: "seq 2",
			feed: func(f forger) []string {
				ts := twoGood(f)
				return append(ts, ts[1], f.good(3, 1, "333333334"))
			}},
		{name: "sequence gap", good: 2, wantKind: registry.ErrConflict, refused: 1, wantText: "no gaps",
			feed: func(f forger) []string { return append(twoGood(f), f.good(4, 1, "333333334")) }},
		{name: "unknown member in the signed envelope", good: 2, wantKind: registry.ErrInvalid, refused: 1, wantText: "unknown field",
			feed: then(func(f forger) []string {
				p := payloadOf(env(3, 1, "444444442"))
				p = append(p[:len(p)-1], `,"admin":true}`...)
				return []string{f.signPayload(f.key, p)}
			})},
		{name: "member twice in the signed envelope", good: 2, wantKind: registry.ErrInvalid, refused: 1, wantText: "twice",
			feed: then(func(f forger) []string {
				p := payloadOf(env(3, 1, "444444442"))
				p = append([]byte(`{"iss":"CA-AB",`), p[1:]...)
				return []string{f.signPayload(f.key, p)}
			})},
		{name: "record that is not an object", good: 2, wantKind: registry.ErrInvalid, refused: 1, wantText: "not a JSON object",
			feed: then(func(f forger) []string {
				e := env(3, 1, "444444442")
				e.Record = json.RawMessage(`["x"]`)
				return []string{f.sign(f.key, e)}
			})},
		{name: "key announced with a kid that is not its own", good: 2, wantKind: registry.ErrInvalid, refused: 1, wantText: "kid",
			feed: then(func(f forger) []string { return []string{f.announce(f.key, other, 3, f.key.KID)} })},
		{name: "key announced by a key that is not pinned", good: 2, wantKind: registry.ErrUnverified, refused: 1, wantText: "unknown kid",
			feed: then(func(f forger) []string {
				return []string{f.announce(other, other, 3, other.KID), f.sign(other, env(4, 1, "444444442"))}
			})},
		{name: "oversized response", good: 0, wantKind: registry.ErrUnavailable, wantText: "oversized response",
			cfg: federation.Config{MaxResponseBytes: 4 << 10},
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Write([]byte(`{"jurisdiction":"CA-BC","size":1,"entries":[],"next":0,"pad":"`))
				w.Write(bytes.Repeat([]byte("x"), 64<<10))
				w.Write([]byte(`"}`))
			}},
		{name: "peer that never answers", good: 0, wantKind: registry.ErrUnavailable, wantText: "no answer within",
			handler: func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }},
		{name: "peer that stops in the middle of its answer", good: 0, wantKind: registry.ErrUnavailable, wantText: "no answer within",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Write([]byte(`{"jurisdiction":"CA-BC","size":1,"entries":[`))
				w.(http.Flusher).Flush()
				<-r.Context().Done()
			}},
		{name: "garbage JSON", good: 0, wantKind: registry.ErrInvalid, wantText: "malformed feed page",
			handler: func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"jurisdiction":"CA-BC","size":`)) }},
		{name: "unknown member in the page", good: 0, wantKind: registry.ErrInvalid, wantText: "unknown field",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Write([]byte(`{"jurisdiction":"CA-BC","size":0,"entries":[],"next":0,"keys":{}}`))
			}},
		{name: "answers as another node", good: 0, wantKind: registry.ErrInvalid, wantText: "answers as",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Write([]byte(`{"jurisdiction":"CA-AB","size":0,"entries":[],"next":0}`))
			}},
		{name: "more entries than the size it reports", good: 0, wantKind: registry.ErrInvalid, wantText: "reports 1 entries but sent 2",
			feed: twoGood, reportSize: 1},
		{name: "HTTP 500", good: 0, wantKind: registry.ErrUnavailable, wantText: "HTTP 500",
			handler: func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", http.StatusInternalServerError) }},
		{name: "redirect to another host", good: 0, wantKind: registry.ErrUnavailable, wantText: "another host",
			handler: func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, "http://localhost.invalid/v1/feed", http.StatusFound)
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := c.cfg
			cfg.PeerTimeout = 300 * time.Millisecond
			s := newHostile(t, cfg)
			var want []string
			if c.feed != nil {
				all := c.feed(s.f)
				want = all[:c.good]
				size := -1
				if c.reportSize != 0 {
					size = c.reportSize
				}
				s.peer.set(all, size)
			} else {
				s.peer.mu.Lock()
				s.peer.handler = c.handler
				s.peer.mu.Unlock()
			}
			start := time.Now()
			st, err := s.fed.Sync(t.Context(), "CA-BC")
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("Sync took %s, want about PeerTimeout (300ms) at most", d)
			}
			if got := errKind(err); got != c.wantKind {
				t.Fatalf("Sync: got error %v (kind %v), want kind %v", err, got, c.wantKind)
			}
			if !strings.Contains(err.Error(), c.wantText) {
				t.Errorf("Sync: got error %q, want it to mention %q", err, c.wantText)
			}
			if got := s.stored(t); !slicesEqual(got, want) {
				t.Errorf("replica: got %d entries, want the %d honest ones before the bad one", len(got), len(want))
			}
			if st.Seq != uint64(len(want)) || st.State != federation.StateError || st.LastError != err.Error() || st.Refused != c.refused {
				t.Errorf("status: got seq %d state %q refused %d last_error %q; want %d, error, %d, %q",
					st.Seq, st.State, st.Refused, st.LastError, len(want), c.refused, err)
			}
			if ks, _ := s.fed.KeySet("CA-BC"); ks.Len() != 1 {
				t.Errorf("keys trusted for CA-BC: got %d, want the 1 pinned", ks.Len())
			}
			// The error survives a restart of the federation.
			fed2, err2 := federation.New(s.cfg)
			if err2 != nil {
				t.Fatal(err2)
			}
			ps, _ := fed2.Peers(t.Context())
			if ps[0].LastError != err.Error() || ps[0].Refused != c.refused || ps[0].State != federation.StateError {
				t.Errorf("status after restart: got last_error %q refused %d state %q, want %q, %d, error", ps[0].LastError, ps[0].Refused, ps[0].State, err, c.refused)
			}
		})
	}
}

func slicesEqual(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestUnsignedFieldsAreIgnored(t *testing.T) {
	s := newHostile(t, federation.Config{})
	jws := []string{s.f.good(1, 1, "111111118")}
	s.peer.set(jws, -1) // the page says iss CA-ON, seq 999, kind certifying_partner, id LIE, ...
	if _, err := s.fed.Sync(t.Context(), "CA-BC"); err != nil {
		t.Fatal(err)
	}
	got := replicaOf(t, s.n.Node, "CA-BC")
	want := registry.Entry{Iss: "CA-BC", Seq: 1, Kind: registry.KindEmployer, ID: "111111118", Ver: 1, Iat: nodetest.Now.Unix(),
		Record: json.RawMessage(`{"bn":"111111118","legal_name":"Hostile 1"}`), JWS: jws[0]}
	if len(got) != 1 || got[0].Iss != want.Iss || got[0].Seq != want.Seq || got[0].Kind != want.Kind || got[0].ID != want.ID ||
		got[0].Ver != want.Ver || got[0].Iat != want.Iat || !bytes.Equal(got[0].Record, want.Record) || got[0].JWS != want.JWS {
		t.Errorf("stored: got %+v, want %+v", got, want)
	}
}

func TestPeerRotatingKeysWithASignedAnnouncement(t *testing.T) {
	s := newHostile(t, federation.Config{})
	next, err := jose.GenerateKey(jose.EdDSA, nodetest.Now)
	if err != nil {
		t.Fatal(err)
	}
	third, err := jose.GenerateKey(jose.ES256, nodetest.Now)
	if err != nil {
		t.Fatal(err)
	}
	f := s.f
	feed := []string{
		f.good(1, 1, "111111118"),
		f.sign(next, env(2, 1, "222222226")), // before the announcement: refused
	}
	s.peer.set(feed, -1)
	s.peer.logSize = 1 // its log (and checkpoint) holds only the honest entry
	if _, err := s.fed.Sync(t.Context(), "CA-BC"); !errors.Is(err, registry.ErrUnverified) {
		t.Fatalf("entry by a key not yet announced: got %v, want ErrUnverified", err)
	}
	feed = []string{
		f.good(1, 1, "111111118"),
		f.announce(f.key, next, 2, next.KID),  // the pinned key announces next
		f.sign(next, env(3, 1, "222222226")),  // next signs
		f.announce(next, third, 4, third.KID), // a rotated-in key announces the one after it
		f.sign(third, env(5, 2, "222222226")),
		f.good(6, 1, "333333334"), // the retired pinned key still verifies
	}
	s.peer.set(feed, -1)
	st, err := s.fed.Sync(t.Context(), "CA-BC")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{f.key.KID, next.KID, third.KID}; !slicesEqual(st.Keys, want) {
		t.Errorf("trusted keys: got %v, want %v", st.Keys, want)
	}
	if got := s.stored(t); !slicesEqual(got, feed) {
		t.Errorf("replica: got %d entries, want all %d", len(got), len(feed))
	}
	fed2, err := federation.New(s.cfg)
	if err != nil {
		t.Fatal(err)
	}
	if ks, _ := fed2.KeySet("CA-BC"); ks.Len() != 3 {
		t.Errorf("keys trusted after restart: got %d, want 3", ks.Len())
	}
}

func TestPeerRewritingItsHistoryIsRefused(t *testing.T) {
	s := newHostile(t, federation.Config{})
	f := s.f
	three := []string{f.good(1, 1, "111111118"), f.good(2, 1, "222222226"), f.good(3, 1, "333333334")}
	s.peer.set(three, -1)
	if _, err := s.fed.Sync(t.Context(), "CA-BC"); err != nil {
		t.Fatal(err)
	}
	// The peer now serves a prefix of its feed: a feed never shrinks, but
	// its checkpoint of size 2 is consistent with what it signed, so this
	// is an error, not evidence.
	s.peer.set(three[:2], -1)
	st, err := s.fed.Sync(t.Context(), "CA-BC")
	if !errors.Is(err, registry.ErrConflict) || !strings.Contains(err.Error(), "never shrinks") {
		t.Fatalf("feed that shrank: got %v, want ErrConflict (a feed never shrinks)", err)
	}
	if st.Seq != 3 || st.PeerSize != 2 || st.Misbehaving {
		t.Errorf("status: got seq %d peer_size %d misbehaving %v, want 3, 2, false", st.Seq, st.PeerSize, st.Misbehaving)
	}
	// Then a rewritten past: its signed checkpoint of size 1 contradicts
	// the entry it signed at seq 1.
	s.peer.set([]string{f.good(1, 1, "999999998")}, -1)
	st, err = s.fed.Sync(t.Context(), "CA-BC")
	if !errors.Is(err, registry.ErrUnverified) || !strings.Contains(err.Error(), "rewrote its history") {
		t.Fatalf("rewritten feed: got %v, want ErrUnverified (rewrote its history)", err)
	}
	if !st.Misbehaving || st.State != federation.StateMisbehaving || st.Evidence == nil || len(st.Evidence.Checkpoints) != 1 || st.Evidence.Computed == nil {
		t.Fatalf("status: got misbehaving %v state %q evidence %+v; want misbehaving with a checkpoint and a computed root", st.Misbehaving, st.State, st.Evidence)
	}
}

func TestSyncOfAnUnknownPeer(t *testing.T) {
	s := newHostile(t, federation.Config{})
	for _, j := range []registry.Jurisdiction{"CA-AB", "CA-ON", "XX"} {
		if _, err := s.fed.Sync(t.Context(), j); !errors.Is(err, registry.ErrNotFound) {
			t.Errorf("Sync(%s): got %v, want ErrNotFound", j, err)
		}
	}
}

func TestOversizedPagesAreAskedForSmaller(t *testing.T) {
	s := newHostile(t, federation.Config{MaxResponseBytes: 3 << 10, PageSize: 64})
	var feed []string
	for i := uint64(1); i <= 20; i++ {
		feed = append(feed, s.f.good(i, 1, fmt.Sprintf("%09d", i)))
	}
	s.peer.set(feed, -1)
	st, err := s.fed.Sync(t.Context(), "CA-BC")
	if err != nil {
		t.Fatalf("Sync: %v", err)
	}
	if st.Seq != 20 {
		t.Errorf("seq: got %d, want 20", st.Seq)
	}
}

func TestCancelledSyncLeavesTheStatus(t *testing.T) {
	s := newHostile(t, federation.Config{PeerTimeout: time.Minute})
	asked := make(chan struct{}, 1)
	s.peer.mu.Lock()
	s.peer.handler = func(w http.ResponseWriter, r *http.Request) {
		select {
		case asked <- struct{}{}:
		default:
		}
		<-r.Context().Done()
	}
	s.peer.mu.Unlock()
	// Cancel once the peer holds the request (a condition, not a timer:
	// under load a timer could fire before the request is made, or a
	// deadline before the cancel).
	ctx, cancelNow := context.WithCancel(t.Context())
	defer cancelNow()
	go func() {
		select {
		case <-asked:
			cancelNow()
		case <-ctx.Done():
		}
	}()
	st, err := s.fed.Sync(ctx, "CA-BC")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Sync with a cancelled context: got %v, want context.Canceled", err)
	}
	if st.State != federation.StateNever || st.LastError != "" {
		t.Errorf("status after a cancelled sync: got state %q error %q, want never and no error", st.State, st.LastError)
	}
}

// TestPeerForkingUnderAnOlderCheckpointIsRefused: a peer whose checkpoint
// A(4) was verified (its feed then served 2 entries) switches to a fork B
// that agrees on the 2 entries stored. Its checkpoint B(3) is consistent
// with the replica but cannot be shown a prefix of A(4): the sync is
// refused and B's third entry is not stored, and A(4) stays the last
// checkpoint. B(5) then fails to extend A(4): the peer is marked
// misbehaving. (Before, the older checkpoint was checked against the
// replica only, B's entries were stored and A(4) was forgotten.)
func TestPeerForkingUnderAnOlderCheckpointIsRefused(t *testing.T) {
	s := newHostile(t, federation.Config{PageSize: 2})
	f := s.f
	a := []string{f.good(1, 1, "111111118"), f.good(2, 1, "222222226"), f.good(3, 1, "333333334"), f.good(4, 1, "444444442")}
	s.peer.set(a, 2) // its checkpoint covers all 4; its feed says 2
	st, err := s.fed.Sync(t.Context(), "CA-BC")
	if err != nil || st.Seq != 2 || st.Checkpoint == nil || st.Checkpoint.Size != 4 {
		t.Fatalf("first sync: %v, seq %d, checkpoint %+v; want 2 entries under the checkpoint of size 4", err, st.Seq, st.Checkpoint)
	}
	b := []string{a[0], a[1], f.good(3, 1, "999999998")}
	s.peer.set(b, -1)
	st, err = s.fed.Sync(t.Context(), "CA-BC")
	if err == nil {
		t.Fatal("a checkpoint of size 3 that is not shown a prefix of the verified one of size 4 was taken")
	}
	if got := s.stored(t); !slicesEqual(got, a[:2]) || st.Checkpoint == nil || st.Checkpoint.Size != 4 {
		t.Fatalf("after the fork's checkpoint of size 3: replica %d entries (want a's 2), checkpoint %+v (want size 4)", len(got), st.Checkpoint)
	}
	b = append(b, f.good(4, 1, "888888880"), f.good(5, 1, "777777772"))
	s.peer.set(b, -1)
	st, err = s.fed.Sync(t.Context(), "CA-BC")
	if err == nil || !st.Misbehaving {
		t.Fatalf("fork of size 5 over a verified checkpoint of size 4: %v, misbehaving %v; want refused and marked", err, st.Misbehaving)
	}
	if got := s.stored(t); !slicesEqual(got, a[:2]) {
		t.Errorf("replica: %d entries, want a's 2", len(got))
	}
}

// TestPeerStaleCheckpointFailsTheSync: a peer whose feed serves 3 entries
// while its checkpoint stays at size 1 leaves entries that no checkpoint
// covers: the sync reports it (ErrUnverified) rather than success.
func TestPeerStaleCheckpointFailsTheSync(t *testing.T) {
	s := newHostile(t, federation.Config{})
	f := s.f
	a := []string{f.good(1, 1, "111111118"), f.good(2, 1, "222222226"), f.good(3, 1, "333333334")}
	inner := &hostilePeer{j: "CA-BC", key: s.peer.key, size: -1, jwss: a}
	s.peer.mu.Lock()
	s.peer.handler = func(w http.ResponseWriter, r *http.Request) {
		if serveLog(w, r, s.peer.key, "CA-BC", a[:1]) {
			return
		}
		inner.ServeHTTP(w, r)
	}
	s.peer.mu.Unlock()
	if _, err := s.fed.Sync(t.Context(), "CA-BC"); !errors.Is(err, registry.ErrUnverified) || !strings.Contains(err.Error(), "does not cover") {
		t.Fatalf("checkpoint of size 1 after a feed of 3: got %v, want ErrUnverified (does not cover)", err)
	}
}

// TestPeerCheckpointByAKnownKeyMustVerify: a checkpoint whose signature
// fails under a pinned key (not an unknown kid, which a later page may
// announce) ends the sync before any page is stored.
func TestPeerCheckpointByAKnownKeyMustVerify(t *testing.T) {
	s := newHostile(t, federation.Config{})
	f := s.f
	a := []string{f.good(1, 1, "111111118"), f.good(2, 1, "222222226")}
	inner := &hostilePeer{j: "CA-BC", key: s.peer.key, size: -1, jwss: a}
	s.peer.mu.Lock()
	s.peer.handler = func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/log/checkpoint" {
			rec := httptest.NewRecorder()
			inner.ServeHTTP(rec, r)
			var c map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &c); err != nil {
				t.Error(err)
				return
			}
			jws, _ := c["jws"].(string)
			i := strings.LastIndexByte(jws, '.')
			if i < 0 || i+4 > len(jws) {
				t.Errorf("checkpoint answer without a JWS: %s", rec.Body.Bytes())
				return
			}
			// Another signature of the same length: the first characters
			// of the signature segment changed.
			sig := []byte(jws[i+1:])
			sig[0], sig[1] = sig[1], sig[0]^1
			c["jws"] = jws[:i+1] + string(sig)
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(c)
			return
		}
		inner.ServeHTTP(w, r)
	}
	s.peer.mu.Unlock()
	_, err := s.fed.Sync(t.Context(), "CA-BC")
	if err == nil || errors.Is(err, jose.ErrUnknownKey) {
		t.Fatalf("checkpoint with a bad signature by the pinned key: got %v, want an error other than an unknown kid", err)
	}
	if got := s.stored(t); len(got) != 0 {
		t.Errorf("replica: %d entries stored under a checkpoint that does not verify", len(got))
	}
}
