package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/pass"
	"github.com/corfed/corfed/registry/statuslist"
)

// startServe runs `corfed serve` for CA-AB on a free port with its data in
// dir and returns its URL and a stop function that waits for it to end.
func startServe(t *testing.T, dir string) (string, func()) {
	t.Helper()
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
		t.Fatalf("serve printed %q (%v)", line, err)
	}
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			cancel()
			<-done
		}
	}
	t.Cleanup(stop)
	return m[1], stop
}

func httpGet(t *testing.T, url string) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

// TestPassLifecycle: a node issues a pass; corfed verify checks it against
// the federation file's pinned key and the node's status list, caching the
// list; the certificate is suspended, and the freshly fetched list turns
// the verification to "suspended"; with the node gone, the cached list
// is used, and said to be stale once past its ttl.
func TestPassLifecycle(t *testing.T) {
	dir := t.TempDir()
	url, stop := startServe(t, dir)
	ring, err := jose.LoadKeyring(filepath.Join(dir, "keys.json"))
	if err != nil {
		t.Fatal(err)
	}
	fedFile := filepath.Join(t.TempDir(), "federation.json")
	doc, err := federation.MarshalTrust("test", []federation.Member{{Jurisdiction: "CA-AB", URL: url, Keys: ring.PublicSet()}})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(fedFile, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	cache := filepath.Join(t.TempDir(), "cache")

	resp, body := httpGet(t, url+"/v1/certificates/ACSA-20250417/pass")
	text := string(body)
	if resp.StatusCode != 200 || !strings.HasPrefix(text, pass.Prefix) || len(text) > pass.MaxSize {
		t.Fatalf("pass: %d %q, want a COR1: text of at most %d characters", resp.StatusCode, text, pass.MaxSize)
	}
	t.Logf("pass: %d characters", len(text))
	for _, f := range []struct{ format, ctype, magic string }{{"png", "image/png", "\x89PNG"}, {"svg", "image/svg+xml", "<svg"}} {
		resp, b := httpGet(t, url+"/v1/certificates/ACSA-20250417/pass?format="+f.format)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != f.ctype || !strings.HasPrefix(string(b), f.magic) {
			t.Errorf("format=%s: %d %s %.10q", f.format, resp.StatusCode, resp.Header.Get("Content-Type"), b)
		}
	}
	if resp, _ := httpGet(t, url+"/v1/certificates/NOPE-1/pass"); resp.StatusCode != 404 {
		t.Errorf("pass of an unknown certificate: got %d, want 404", resp.StatusCode)
	}

	verify := func(extra ...string) (int, string, string) {
		t.Helper()
		return run(t, append([]string{"verify", text, "--federation", fedFile, "--status-cache", cache}, extra...)...)
	}
	code, out, stderr := verify()
	if code != 0 || !strings.Contains(out, "pass holds") || !strings.Contains(out, "ACSA-20250417") || strings.Contains(out, "STALE") {
		t.Fatalf("verify: exit %d\n%s%s", code, out, stderr)
	}
	if _, err := os.Stat(filepath.Join(cache, "CA-AB.jwt")); err != nil {
		t.Errorf("the status list was not cached: %v", err)
	}
	// A pass piped in with a byte order mark is read; an unquoted one (it
	// holds spaces) is told to be quoted.
	{
		var out, errb bytes.Buffer
		if code := Main(t.Context(), []string{"verify", "-", "--federation", fedFile, "--status-cache", cache}, strings.NewReader("\ufeff"+text+"\r\n"), &out, &errb); code != 0 || !strings.Contains(out.String(), "pass holds") {
			t.Errorf("a pass with a BOM on stdin: exit %d %s%s", code, out.String(), errb.String())
		}
		// As a shell splits it at a space (base45 has spaces, but a given
		// pass may have none, or a piece that starts with "-"): two words.
		i := len(text) / 2
		for text[i] == '-' || text[i] == ' ' {
			i++
		}
		words := []string{strings.TrimSpace(text[:i]), text[i:]}
		if code, _, stderr := run(t, append([]string{"verify"}, append(words, "--federation", fedFile)...)...); code != 2 || !strings.Contains(stderr, "quote a pass") {
			t.Errorf("an unquoted pass: exit %d %s", code, stderr)
		}
	}
	// Offline past the cached list's ttl, the pass is not said to hold: its
	// status is not confirmed (exit 3), unless the stale list is accepted.
	{
		trust, err := federation.LoadTrust(fedFile)
		if err != nil {
			t.Fatal(err)
		}
		offline, accept := true, false
		later := &passOptions{cache: &cache, offline: &offline, acceptStale: &accept, now: func() time.Time { return time.Now().Add(10 * time.Minute) }}
		var out strings.Builder
		err = verifyPass(t.Context(), text, trust, later, &out)
		var x *exitError
		if !errors.As(err, &x) || x.code != 3 || !strings.Contains(err.Error(), "STALE") || out.Len() != 0 {
			t.Errorf("offline, stale list, valid certificate: %v, printed %q; want exit 3 saying STALE", err, out.String())
		}
		accept = true
		if err := verifyPass(t.Context(), text, trust, later, &out); err != nil || !strings.Contains(out.String(), "pass holds") || !strings.Contains(out.String(), "STALE") {
			t.Errorf("the same with --accept-stale: %v %q", err, out.String())
		}
	}

	// The proof the pass points to, by leaf hash, verifies.
	p, err := pass.Inspect(text)
	if err != nil {
		t.Fatal(err)
	}
	resp, body = httpGet(t, url+"/v1/proofs/"+hex.EncodeToString(p.LeafHash))
	var ev federation.Evidence
	if err := json.Unmarshal(body, &ev); err != nil || resp.StatusCode != 200 {
		t.Fatalf("proof by hash: %d %v %s", resp.StatusCode, err, body)
	}
	keys := func(j registry.Jurisdiction) (*jose.KeySet, bool) { return ring.PublicSet(), j == "CA-AB" }
	e, err := federation.VerifyEvidence(ev, keys, "CA-AB")
	if err != nil || e.Seq != p.Seq || e.ID != p.CertificateID {
		t.Errorf("proof by hash: %v; got seq %d id %s, want %d %s", err, e.Seq, e.ID, p.Seq, p.CertificateID)
	}

	// Suspend the certificate: the list shows it and verify says so.
	code, tok, stderr := run(t, "token", "--data", dir, "--jurisdiction", "CA-AB")
	if code != 0 {
		t.Fatal(stderr)
	}
	req, _ := http.NewRequest("PATCH", url+"/v1/certificates/ACSA-20250417", strings.NewReader(`{"action":"suspend","reason":"Employer Review opened","on":"2026-11-25"}`))
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(tok))
	req.Header.Set("Content-Type", "application/json")
	pr, err := http.DefaultClient.Do(req)
	if err != nil || pr.StatusCode != 200 {
		t.Fatalf("suspend: %v %v", err, pr.Status)
	}
	pr.Body.Close()
	resp, body = httpGet(t, url+"/v1/status-list")
	// Cacheable until ttl after the list was made (made is whole seconds,
	// and the list may have been signed a moment before).
	age, ok := strings.CutPrefix(resp.Header.Get("Cache-Control"), "public, max-age=")
	if n, err := strconv.Atoi(age); resp.Header.Get("Content-Type") != statuslist.MediaType || !ok || err != nil || n < 240 || n > 300 {
		t.Errorf("status list headers: %v", resp.Header)
	}
	sl, err := statuslist.Verify(ring.PublicSet(), string(body), "CA-AB", p.StatusURI)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := sl.List.Get(p.StatusIdx); v != statuslist.Suspended {
		t.Errorf("status list at %d: got %s, want suspended", p.StatusIdx, statuslist.Name(v))
	}
	code, out, stderr = verify()
	if code == 0 || !strings.Contains(stderr, "suspended") {
		t.Fatalf("verify after suspension: exit %d, %s%s; want a refusal saying suspended", code, out, stderr)
	}

	// The node is gone: the cached list answers; past its ttl it is stale.
	stop()
	code, _, stderr = verify()
	if code == 0 || !strings.Contains(stderr, "suspended") {
		t.Errorf("verify from the cache: exit %d %s; want suspended", code, stderr)
	}
	trust, err := federation.LoadTrust(fedFile)
	if err != nil {
		t.Fatal(err)
	}
	offline := true
	later := &passOptions{cache: &cache, offline: &offline, now: func() time.Time { return time.Now().Add(10 * time.Minute) }}
	err = verifyPass(t.Context(), text, trust, later, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "suspended") || !strings.Contains(err.Error(), "STALE") {
		t.Errorf("verify past the ttl: got %v, want suspended and STALE", err)
	}
	gone := &passOptions{cache: new(string), offline: &offline, now: time.Now}
	var x *exitError
	if err := verifyPass(t.Context(), text, trust, gone, io.Discard); !errors.As(err, &x) || x.code != 4 || !strings.Contains(err.Error(), "no cached status list") {
		t.Errorf("offline with no cache: got %v, want exit 4, could not be checked", err)
	}
}
