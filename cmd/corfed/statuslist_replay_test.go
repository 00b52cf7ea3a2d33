package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/pass"
	"github.com/corfed/corfed/registry/statuslist"
)

// listFixture: one member CA-AB whose "node" serves whatever status list
// token the test puts in list; a pass of index 0 signed by its key.
type listFixture struct {
	key     *jose.Key
	srv     *httptest.Server
	list    atomic.Pointer[string]
	fedFile string
	cache   string
	pass    string
}

func newListFixture(t *testing.T) *listFixture {
	t.Helper()
	f := &listFixture{}
	var err error
	if f.key, err = jose.GenerateKey(jose.EdDSA, time.Now()); err != nil {
		t.Fatal(err)
	}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != federation.StatusListPath || f.list.Load() == nil {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", statuslist.MediaType)
		io.WriteString(w, *f.list.Load())
	}))
	t.Cleanup(f.srv.Close)
	f.fedFile = filepath.Join(t.TempDir(), "federation.json")
	doc, err := federation.MarshalTrust("test", []federation.Member{{Jurisdiction: "CA-AB", URL: f.srv.URL, Keys: jose.NewKeySet(f.key.Public())}})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(f.fedFile, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	f.cache = filepath.Join(t.TempDir(), "cache")
	now := time.Unix(time.Now().Unix(), 0).UTC()
	f.pass, err = pass.Encode(pass.Pass{Iss: "CA-AB", IssuedAt: now.Add(-24 * time.Hour), Expires: now.AddDate(1, 0, 0),
		StatusIdx: 0, StatusURI: f.srv.URL + federation.StatusListPath,
		CertificateID: "ACSA-20250417", Number: "20250417", Program: "COR", EmployerName: "Prairie Steel Erectors Ltd.",
		EmployerBN: "812345676", Scope: "construction 238120", IssuedOn: registry.MustDate("2025-03-14"),
		ExpiresOn: registry.DateOf(now.AddDate(1, 0, 0)), Seq: 14, LeafHash: make([]byte, 16)}, f.key)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// sign makes a genuine list (signed by the member's key) made at iat,
// with index 0 at status v.
func (f *listFixture) sign(t *testing.T, iat time.Time, v byte) string {
	t.Helper()
	l := new(statuslist.List)
	for i := range 8 {
		l.Set(i, statuslist.Valid)
	}
	l.Set(0, v)
	iat = time.Unix(iat.Unix(), 0).UTC()
	tok, err := statuslist.Sign(f.key, statuslist.Token{Iss: "CA-AB", Sub: f.srv.URL + federation.StatusListPath,
		Iat: iat, Exp: iat.Add(7 * 24 * time.Hour), TTL: 5 * time.Minute, List: l})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func (f *listFixture) verify(t *testing.T) (int, string, string) {
	t.Helper()
	return run(t, "verify", f.pass, "--federation", f.fedFile, "--status-cache", f.cache)
}

// TestStaleListFetchedOnlineIsRefused: the node is reachable, but what
// comes back (a replay by anything on the path: an http member URL, a
// caching proxy, a CDN) is the list from before the revocation, six days
// old. A list already stale when fetched is a failed fetch: with no cache
// (a new gate, a fresh container), corfed verify does not say the pass
// holds. (It exited 0, "pass holds", with a STALE note.)
func TestStaleListFetchedOnlineIsRefused(t *testing.T) {
	f := newListFixture(t)
	now := time.Now()
	old := f.sign(t, now.Add(-6*24*time.Hour), statuslist.Valid) // before the revocation
	_ = f.sign(t, now, statuslist.Invalid)                       // what the node serves now: revoked
	f.list.Store(&old)                                           // what the verifier receives
	code, out, stderr := f.verify(t)
	t.Logf("exit %d\nstdout: %s\nstderr: %s", code, out, stderr)
	if code == 0 {
		t.Errorf("a six-day-old list fetched online (the certificate revoked since) gives exit 0: %q", strings.TrimSpace(out))
	}
}

// TestListFromTheFutureDoesNotPin: a genuine list whose iat is in the
// future (the member's clock was ahead for one signing, or the verifier's
// is behind) is used, but does not pin the cache: the next correct list,
// made earlier by its iat, replaces it. Before, every correct list after it
// was refused as older than the cached one, and a revocation was not seen.
func TestListFromTheFutureDoesNotPin(t *testing.T) {
	f := newListFixture(t)
	now := time.Now()
	ahead := f.sign(t, now.Add(6*time.Hour), statuslist.Valid) // node clock 6 h ahead for a moment
	f.list.Store(&ahead)
	if code, out, stderr := f.verify(t); code != 0 {
		t.Fatalf("first verify: exit %d %s%s", code, out, stderr)
	}
	// The clock is fixed; the certificate is revoked; the node serves the truth.
	revoked := f.sign(t, time.Now(), statuslist.Invalid)
	f.list.Store(&revoked)
	code, out, stderr := f.verify(t)
	t.Logf("exit %d\nstdout: %s\nstderr: %s", code, out, stderr)
	if code == 0 {
		t.Errorf("revoked certificate's pass still holds for the next 6 h (list from the future pinned in the cache): %q", strings.TrimSpace(out))
	}
}

// TestSameSecondListCannotRollBack: iat has one-second resolution and the
// node signs a new list whenever its log grows, so two lists can share an
// iat (one just before a suspension, one just after). A verifier holding
// the "suspended" list refuses another of the same second and log size in
// its place (it took the earlier "valid" one and cached it).
func TestSameSecondListCannotRollBack(t *testing.T) {
	f := newListFixture(t)
	iat := time.Now()
	before := f.sign(t, iat, statuslist.Valid)
	after := f.sign(t, iat, statuslist.Suspended)
	f.list.Store(&after)
	if code, _, stderr := f.verify(t); code == 0 || !strings.Contains(stderr, "suspended") {
		t.Fatalf("with the current list: exit %d %s", code, stderr)
	}
	f.list.Store(&before) // replayed by anything on the path
	code, out, stderr := f.verify(t)
	t.Logf("exit %d\nstdout: %s\nstderr: %s", code, out, stderr)
	if code == 0 {
		t.Errorf("after seeing the suspension, the verifier accepted (and cached) the same-second list from before it")
	}
	// and now offline too
	code, out, _ = run(t, "verify", f.pass, "--federation", f.fedFile, "--status-cache", f.cache, "--offline")
	t.Logf("offline afterwards: exit %d %s", code, out)
}
func TestRetiredKeyListIsRefused(t *testing.T) {
	f := newListFixture(t)
	ring := &jose.Keyring{Keys: []*jose.Key{f.key}}
	f.key.Status = jose.StatusActive
	if _, err := ring.Rotate(jose.EdDSA, time.Now()); err != nil {
		t.Fatal(err)
	}
	old := ring.Keys[0]
	if old.Status != jose.StatusRetired {
		t.Fatal("old key not retired")
	}
	doc, err := federation.MarshalTrust("test", []federation.Member{{Jurisdiction: "CA-AB", URL: f.srv.URL, Keys: ring.PublicSet()}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(doc), `"retired"`) {
		t.Fatalf("federation file does not mark the old key retired: %s", doc)
	}
	if err := os.WriteFile(f.fedFile, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	// Minted today with the retired key: a certificate that never existed.
	now := time.Unix(time.Now().Unix(), 0).UTC()
	forged, err := pass.Encode(pass.Pass{Iss: "CA-AB", IssuedAt: now, Expires: now.AddDate(3, 0, 0),
		StatusIdx: 1, StatusURI: f.srv.URL + federation.StatusListPath,
		CertificateID: "ACSA-FORGED", Number: "FORGED", Program: "COR", EmployerName: "Nobody Ltd.",
		EmployerBN: "812345676", IssuedOn: registry.DateOf(now), ExpiresOn: registry.DateOf(now.AddDate(3, 0, 0)),
		Seq: 1, LeafHash: make([]byte, 16)}, old)
	if err != nil {
		t.Fatal(err)
	}
	f.key = old
	tok := f.sign(t, now, statuslist.Valid) // a fresh list signed by the retired key
	f.list.Store(&tok)
	code, out, stderr := run(t, "verify", forged, "--federation", f.fedFile, "--status-cache", filepath.Join(t.TempDir(), "c"))
	t.Logf("exit %d\n%s%s", code, out, stderr)
	if code == 0 {
		t.Errorf("a pass and status list signed today by CA-AB's RETIRED key verify: %s", strings.TrimSpace(out))
	}
}

// TestSlowVerifierClockSeesTheRevocation: a verifier whose clock is 45 s
// behind the node's cached CA-AB's list two minutes ago (valid); the
// certificate is then revoked and the node serves the new list, made "now"
// by its clock, 45 s in the verifier's future. It is used: the pass does not
// hold. (A review found a refusal of lists dated in the future kept the
// cached list answering "pass holds" as long as the clocks differed.)
func TestSlowVerifierClockSeesTheRevocation(t *testing.T) {
	f := newListFixture(t)
	verifierNow := time.Now()
	nodeNow := verifierNow.Add(45 * time.Second)
	earlier := f.sign(t, nodeNow.Add(-2*time.Minute), statuslist.Valid)
	f.list.Store(&earlier)
	if code, out, stderr := f.verify(t); code != 0 {
		t.Fatalf("first verify: %d %s %s", code, out, stderr)
	}
	revoked := f.sign(t, nodeNow, statuslist.Invalid) // the honest node's fresh list
	f.list.Store(&revoked)
	code, out, stderr := f.verify(t)
	t.Logf("exit %d\nstdout: %s\nstderr: %s", code, out, stderr)
	if code == 0 {
		t.Errorf("revoked certificate's pass holds for a verifier 45 s behind the node: %q", strings.TrimSpace(out))
	}
}
