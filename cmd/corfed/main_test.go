package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/corfed/corfed/equivalence"
	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/node/nodetest"
)

var testdata = nodetest.TestData()

func run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(t.Context(), args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func TestKeygenAndToken(t *testing.T) {
	dir := t.TempDir()
	if code, _, stderr := run(t, "keygen", "--data", dir); code != 0 {
		t.Fatalf("keygen: exit %d: %s", code, stderr)
	}
	st, err := os.Stat(filepath.Join(dir, "keys.json"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("keys.json: %v, mode %v; want 0600", err, st.Mode().Perm())
	}
	if code, _, _ := run(t, "keygen", "--data", dir); code == 0 {
		t.Error("second keygen without --rotate: exit 0, want a refusal")
	}
	if code, _, stderr := run(t, "keygen", "--data", dir, "--rotate", "--alg", "ES256"); code != 0 {
		t.Fatalf("keygen --rotate: exit %d: %s", code, stderr)
	}
	ring, err := jose.LoadKeyring(filepath.Join(dir, "keys.json"))
	if err != nil || len(ring.Keys) != 2 || ring.Active().Alg != jose.ES256 {
		t.Fatalf("after rotation: %v, want 2 keys, the active one ES256", err)
	}
	code, out, stderr := run(t, "token", "--data", dir, "--jurisdiction", "CA-AB", "--role", "cp", "--cp", "ACSA", "--ttl", "1h")
	if code != 0 {
		t.Fatalf("token: exit %d: %s", code, stderr)
	}
	var claims map[string]any
	if err := ring.PublicSet().VerifyJWT(strings.TrimSpace(out), time.Now(), "CA-AB", "corfed", &claims); err != nil {
		t.Fatalf("token does not verify: %v", err)
	}
	if claims["cp"] != "ACSA" || claims["role"] != "cp" {
		t.Errorf("claims: got %v", claims)
	}
	for _, args := range [][]string{
		{"token", "--data", dir, "--jurisdiction", "CA-XX"},
		{"token", "--data", dir, "--jurisdiction", "CA-AB", "--role", "cp"},
		{"token", "--data", dir, "--jurisdiction", "CA-AB", "--scope", "everything"},
		{"token", "--data", t.TempDir(), "--jurisdiction", "CA-AB"},
		{"nonsense"},
	} {
		if code, _, _ := run(t, args...); code == 0 {
			t.Errorf("%v: exit 0, want failure", args)
		}
	}
}

// TestServe runs the real serve command on a free port, talks to it over
// HTTP, stops it, and starts it again on the same data directory.
func TestServe(t *testing.T) {
	dir := t.TempDir()
	start := func() (string, context.CancelFunc, chan int) {
		ctx, cancel := context.WithCancel(t.Context())
		pr, pw := io.Pipe()
		done := make(chan int, 1)
		go func() {
			code := Main(ctx, []string{"serve", "--jurisdiction", "CA-AB", "--addr", "127.0.0.1:0", "--data", dir, "--seed", "--testdata", testdata, "--log-level", "error"}, nil, pw, io.Discard)
			pw.Close()
			done <- code
		}()
		line, err := bufio.NewReader(pr).ReadString('\n')
		go io.Copy(io.Discard, pr)
		m := regexp.MustCompile(`^node CA-AB (http://127\.0\.0\.1:\d+)\n$`).FindStringSubmatch(line)
		if err != nil || m == nil {
			cancel()
			t.Fatalf("serve printed %q (%v), want node CA-AB http://127.0.0.1:PORT", line, err)
		}
		return m[1], cancel, done
	}
	get := func(url string, into any) {
		t.Helper()
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d", url, resp.StatusCode)
		}
		if err := json.NewDecoder(resp.Body).Decode(into); err != nil {
			t.Fatal(err)
		}
	}
	url, stop, done := start()
	var h struct {
		Status       string
		Jurisdiction string
		FeedSize     uint64 `json:"feed_size"`
	}
	get(url+"/healthz", &h)
	if h.Status != "ok" || h.Jurisdiction != "CA-AB" || h.FeedSize < 10 {
		t.Fatalf("healthz: got %+v", h)
	}
	size := h.FeedSize
	var rec struct{ Decision struct{ Outcome string } }
	get(url+"/v1/recognition?bn=812345676&host=CA-AB&sector=construction&on=2026-11-25", &rec)
	if rec.Decision.Outcome != "recognized" {
		t.Errorf("recognition on the seeded node: got %q, want recognized", rec.Decision.Outcome)
	}
	stop()
	if code := <-done; code != 0 {
		t.Fatalf("serve exit %d after interrupt, want 0 (graceful)", code)
	}
	url, stop, done = start()
	defer func() { stop(); <-done }()
	get(url+"/healthz", &h)
	if h.FeedSize != size {
		t.Errorf("after restart: feed size %d, want %d (nothing lost, no re-seed)", h.FeedSize, size)
	}
	if code, _, stderr := run(t, "serve", "--jurisdiction", "CA-BC", "--data", dir, "--addr", "127.0.0.1:0"); code == 0 || !strings.Contains(stderr, "CA-AB") {
		t.Errorf("serving CA-BC from CA-AB's data: exit %d (%s), want a refusal", code, stderr)
	}
}

// TestDemoAndVerify runs the demo once, then checks a proof from one of
// its nodes offline with corfed verify, and a tampered one.
func TestDemoAndVerify(t *testing.T) {
	dir := t.TempDir()
	code, out, stderr := run(t, "demo", "--data", dir, "--once", "--testdata", testdata, "--log-level", "error")
	if code != 0 {
		t.Fatalf("demo: exit %d: %s", code, stderr)
	}
	for _, j := range []string{"CA-AB", "CA-BC", "CA-MB", "CA-ON"} {
		if !regexp.MustCompile(`(?m)^node ` + j + ` http://127\.0\.0\.1:\d+$`).MatchString(out) {
			t.Errorf("demo output lacks the line for %s:\n%s", j, out)
		}
	}
	fedPath := filepath.Join(dir, "federation.json")
	if !strings.Contains(out, "federation "+fedPath) && !strings.Contains(out, "federation ") {
		t.Errorf("demo output lacks the federation line")
	}
	if strings.Contains(out, "sync ") || strings.Contains(out, "DOES NOT VERIFY") {
		t.Errorf("demo reported sync or proof failures:\n%s", out)
	}
	if !strings.Contains(out, "recognized via home_cor_agreement") {
		t.Errorf("demo shows no reciprocity:\n%s", out)
	}
	for _, want := range []string{
		"cancel ACSA-20230616 from 2025-06-17 [maintenance.missed]",
		"lifecycle CA-AB again: 0 changes",
		"decision confirm on ", "certificate ACSA-20250314 is revoked",
		"auditor AUD-0002 (home CA-AB) as CA-BC sees it: suspended",
		"ACSA asked through CA-AB's node for CA-BC's bid letter", "(cp:ACSA (CA-AB)), issued ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("demo's program cycle lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(out, "letter CA-BC issued BC-ACSA-20250417-") || !strings.Contains(out, "under BC's letter (asked CA-BC): recognized") {
		t.Errorf("demo shows no letter:\n%s", out)
	}
	if !strings.Contains(out, "after the correction (asked CA-AB): not_recognized [no_basis, certificate_suspended, history_corrected]") {
		t.Errorf("demo shows no correction:\n%s", out)
	}
	if !strings.Contains(out, "metrics CA-AB 2024 (SYNTHETIC data, not real): COR 300 employers") ||
		!strings.Contains(out, "national 2024 (asked CA-BC): CA-AB figures verified") || strings.Contains(out, "metrics: error") {
		t.Errorf("demo shows no OHS comparison or national figures:\n%s", out)
	}
	if n := strings.Count(out, "; signature verifies with the JWKS key"); n != 2 ||
		!regexp.MustCompile(`webhook msg_\S+ certificate.status_changed ESC-ESC-33871 active -> suspended \(CA-AB seq \d+\)`).MatchString(out) ||
		!regexp.MustCompile(`webhook msg_\S+ certificate.status_changed ESC-ESC-33871 suspended -> active \(CA-AB seq \d+\)`).MatchString(out) {
		t.Errorf("demo shows %d verified webhooks, want the suspension and the reinstatement:\n%s", n, out)
	}
	// A proof from the ON node's data, checked offline against the file.
	trust, err := federation.LoadTrust(fedPath)
	if err != nil {
		t.Fatal(err)
	}
	// The wall clock, as the demo's: the replicas were synced moments ago,
	// and an answer resting on a copy whose last sync the node's clock
	// places in the future (or long past) is stale and expires within a
	// day of that clock.
	n := nodetest.New(t, "CA-ON", nodetest.Options{Dir: filepath.Join(dir, "CA-ON"), Clock: time.Now})
	fed, err := federation.New(federation.Config{Node: n.Node, Trust: trust})
	if err != nil {
		t.Fatal(err)
	}
	a, err := federation.NewLookups(fed).Recognize(t.Context(), equivalence.Question{BN: "812345676", Host: "CA-BC", Sector: "construction", Use: "bid", On: registry.MustDate("2026-11-25")})
	if err != nil || a.Decision.Outcome != "recognized" {
		t.Fatalf("recognize from the ON replica: %+v, %v", a.Decision, err)
	}
	if code, out, stderr := run(t, "verify", a.Proof, "--federation", fedPath); code != 0 || !strings.HasPrefix(out, "proof holds") {
		t.Fatalf("verify: exit %d: %s%s", code, out, stderr)
	}
	var in bytes.Buffer
	in.WriteString(a.Proof + "\n")
	var o, e bytes.Buffer
	if code := Main(t.Context(), []string{"verify", "--federation", fedPath, "-"}, &in, &o, &e); code != 0 {
		t.Fatalf("verify from stdin: exit %d: %s", code, e.String())
	}
	tampered := a.Proof[:len(a.Proof)/2] + flip(a.Proof[len(a.Proof)/2]) + a.Proof[len(a.Proof)/2+1:]
	if code, _, stderr := run(t, "verify", tampered, "--federation", fedPath); code == 0 || !strings.Contains(stderr, "does not hold") {
		t.Errorf("tampered proof: exit %d (%s), want non-zero with the reason", code, stderr)
	}
	if code, _, _ := run(t, "verify", a.Proof); code != 2 {
		t.Errorf("verify without --federation: exit %d, want 2", code)
	}
}

func flip(c byte) string {
	if c == 'A' {
		return "B"
	}
	return "A"
}

// TestRotationKeepsOldEntriesVerifiable: after keygen --rotate, the node
// signs with the new key, publishes the old one as retired, announces the
// new key in an entry signed by the old one, and every entry of its feed
// still verifies (with crypto/ed25519 alone) against its JWKS.
func TestRotationKeepsOldEntriesVerifiable(t *testing.T) {
	dir := t.TempDir()
	serveOnce := func(check func(url string)) {
		ctx, cancel := context.WithCancel(t.Context())
		pr, pw := io.Pipe()
		done := make(chan int, 1)
		go func() {
			done <- Main(ctx, []string{"serve", "--jurisdiction", "CA-MB", "--addr", "127.0.0.1:0", "--data", dir, "--seed", "--testdata", testdata, "--log-level", "error"}, nil, pw, io.Discard)
			pw.Close()
		}()
		line, _ := bufio.NewReader(pr).ReadString('\n')
		go io.Copy(io.Discard, pr)
		check(strings.TrimSpace(strings.TrimPrefix(line, "node CA-MB ")))
		cancel()
		if code := <-done; code != 0 {
			t.Fatalf("serve: exit %d", code)
		}
	}
	getJSON := func(url string, into any) {
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if err := json.NewDecoder(resp.Body).Decode(into); err != nil {
			t.Fatal(err)
		}
	}
	serveOnce(func(string) {})
	if code, _, stderr := run(t, "keygen", "--data", dir, "--rotate"); code != 0 {
		t.Fatalf("rotate: %s", stderr)
	}
	serveOnce(func(url string) {
		var jwks struct {
			Keys []struct{ Kid, X, Status, Alg, Use string }
		}
		getJSON(url+"/.well-known/jwks.json", &jwks)
		keys := map[string]ed25519.PublicKey{}
		status := map[string]string{}
		webhookKeys := 0
		for _, k := range jwks.Keys {
			if k.Use == "corfed-webhook" {
				webhookKeys++ // the webhook key: never an entry key
				continue
			}
			x, _ := base64.RawURLEncoding.DecodeString(k.X)
			keys[k.Kid], status[k.Kid] = x, k.Status
		}
		if len(keys) != 2 || webhookKeys != 1 {
			t.Fatalf("jwks after rotation: got %d entry keys and %d webhook keys, want 2 and 1", len(keys), webhookKeys)
		}
		var feed struct {
			Entries []struct {
				Seq  uint64
				Kind string
				JWS  string
			}
		}
		getJSON(url+"/v1/feed?limit=1000", &feed)
		used := map[string]int{}
		for _, e := range feed.Entries {
			parts := strings.Split(e.JWS, ".")
			hb, _ := base64.RawURLEncoding.DecodeString(parts[0])
			var hdr struct{ Kid string }
			_ = json.Unmarshal(hb, &hdr)
			sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
			if !ed25519.Verify(keys[hdr.Kid], []byte(parts[0]+"."+parts[1]), sig) {
				t.Fatalf("entry %d does not verify against the published key %s", e.Seq, hdr.Kid)
			}
			used[status[hdr.Kid]]++
		}
		last := feed.Entries[len(feed.Entries)-1]
		if last.Kind != "key" || used["retired"] < 2 || used["active"] != 0 {
			t.Errorf("got last entry %s and signatures by status %v; want the new key announced (signed by the retired key) and every older entry signed by the retired key", last.Kind, used)
		}
	})
}
