package openapi_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/corfed/corfed/openapi"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/logproof"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// logClient is a client of one node's log endpoints over real HTTP.
type logClient struct {
	n   *nodetest.Node
	url string
}

func newLogClient(t *testing.T) *logClient {
	t.Helper()
	n := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true})
	srv := httptest.NewServer(openapi.New(openapi.Config{Node: n.Node}))
	t.Cleanup(srv.Close)
	return &logClient{n: n, url: srv.URL}
}

// get fetches path and returns the status, content type and body.
func (c *logClient) get(t *testing.T, path string) (int, string, []byte) {
	t.Helper()
	resp, err := http.Get(c.url + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), b
}

// getJSON fetches path, wants 200, and decodes the body into each of vs.
func (c *logClient) getJSON(t *testing.T, path string, vs ...any) {
	t.Helper()
	status, ct, b := c.get(t, path)
	if status != http.StatusOK || !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("GET %s: got %d %s, want 200 application/json: %s", path, status, ct, b)
	}
	for _, v := range vs {
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("GET %s: decode into %T: %v: %s", path, v, err, b)
		}
	}
}

// checkpoint fetches the checkpoint and verifies it as a peer would: with
// the keys from the node's JWKS, as logproof decodes and checks it.
func (c *logClient) checkpoint(t *testing.T) logproof.Checkpoint {
	t.Helper()
	_, _, jwks := c.get(t, "/.well-known/jwks.json")
	keys, err := jose.ParseJWKS(jwks)
	if err != nil {
		t.Fatal(err)
	}
	var s logproof.Signed
	c.getJSON(t, "/v1/log/checkpoint", &s)
	cp, err := logproof.Verify(keys, "corfed/CA-AB", s.JWS)
	if err != nil {
		t.Fatalf("checkpoint does not verify: %v", err)
	}
	if !cp.Equal(s.Checkpoint) {
		t.Fatalf("checkpoint members %+v disagree with its JWS %+v", s.Checkpoint, cp)
	}
	return cp
}

func (c *logClient) feed(t *testing.T) []openapi.FeedEntry {
	t.Helper()
	var f openapi.Feed
	c.getJSON(t, "/v1/feed?limit=1000", &f)
	return f.Entries
}

func TestLogCheckpointOverHTTP(t *testing.T) {
	c := newLogClient(t)
	status, ct, b := c.get(t, "/v1/log/checkpoint")
	if status != http.StatusOK || !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("got %d %s: %s", status, ct, b)
	}
	var members map[string]any
	if err := json.Unmarshal(b, &members); err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"origin", "size", "root_hash", "time", "body", "jws"} {
		if _, ok := members[m]; !ok {
			t.Errorf("member %q missing: %s", m, b)
		}
	}
	if len(members) != 6 {
		t.Errorf("got members %v, want exactly origin, size, root_hash, time, body, jws", members)
	}
	cp := c.checkpoint(t)
	if n := len(c.feed(t)); cp.Size != uint64(n) {
		t.Errorf("checkpoint size %d, feed has %d entries", cp.Size, n)
	}
	if !cp.Time.Equal(nodetest.Now) || members["time"] != "2026-11-25T12:00:00Z" {
		t.Errorf("time: got %v (%v), want %v", cp.Time, members["time"], nodetest.Now)
	}
	// Unchanged feed, unchanged checkpoint.
	_, _, again := c.get(t, "/v1/log/checkpoint")
	if string(again) != string(b) {
		t.Errorf("checkpoint changed while the feed did not:\n%s\n%s", b, again)
	}
}

// inclusionAnswer and consistencyAnswer are the root members the HTTP
// answers add to logproof's proofs.
type inclusionAnswer struct {
	RootHash string `json:"root_hash"`
}

type consistencyAnswer struct {
	FromRoot string `json:"from_root"`
	ToRoot   string `json:"to_root"`
}

func mustHash(t *testing.T, s string) tlog.Hash {
	t.Helper()
	h, err := tlog.ParseHash(s)
	if err != nil {
		t.Fatalf("hash %q: %v", s, err)
	}
	return h
}

func TestLogProofsOverHTTP(t *testing.T) {
	c := newLogClient(t)
	cp := c.checkpoint(t)
	entries := c.feed(t)
	size := cp.Size

	// Every entry of the feed is in the checkpoint's tree.
	for _, e := range entries {
		var p logproof.InclusionProof
		var a inclusionAnswer
		c.getJSON(t, fmt.Sprintf("/v1/log/proof/inclusion?seq=%d", e.Seq), &p, &a)
		if mustHash(t, a.RootHash) != cp.Root {
			t.Fatalf("seq %d: root_hash %s, checkpoint root %s", e.Seq, a.RootHash, cp.Root)
		}
		if err := logproof.VerifyEntry(cp, e.JWS, p); err != nil {
			t.Fatalf("seq %d: %v", e.Seq, err)
		}
	}

	// Older sizes: the proof is for the size asked, and its root is the one
	// the consistency proof gives for that size.
	for _, sz := range []uint64{1, 2, 5, size - 1} {
		var p logproof.InclusionProof
		var a inclusionAnswer
		c.getJSON(t, fmt.Sprintf("/v1/log/proof/inclusion?seq=1&size=%d", sz), &p, &a)
		if p.TreeSize != sz {
			t.Fatalf("size %d: got tree_size %d", sz, p.TreeSize)
		}
		if err := logproof.VerifyEntry(logproof.Checkpoint{Origin: cp.Origin, Size: sz, Root: mustHash(t, a.RootHash)}, entries[0].JWS, p); err != nil {
			t.Fatalf("seq 1 in size %d: %v", sz, err)
		}
		var cons logproof.ConsistencyProof
		var ca consistencyAnswer
		c.getJSON(t, fmt.Sprintf("/v1/log/proof/consistency?from=%d&to=%d", sz, size), &cons, &ca)
		if ca.FromRoot != a.RootHash || mustHash(t, ca.ToRoot) != cp.Root {
			t.Fatalf("%d..%d: roots %s, %s; want %s, %s", sz, size, ca.FromRoot, ca.ToRoot, a.RootHash, cp.Root)
		}
		if err := logproof.VerifyConsistency(cons, mustHash(t, ca.FromRoot), cp.Root); err != nil {
			t.Fatalf("%d..%d: %v", sz, size, err)
		}
	}

	// The feed grows; the new checkpoint extends the old one.
	if _, err := c.n.PutEmployer(t.Context(), nodetest.Admin(), registry.Employer{BN: "812345676", LegalName: "Prairie Steel Erectors Inc."}, false); err != nil {
		t.Fatal(err)
	}
	later := c.checkpoint(t)
	var cons logproof.ConsistencyProof
	c.getJSON(t, fmt.Sprintf("/v1/log/proof/consistency?from=%d&to=%d", cp.Size, later.Size), &cons)
	if err := logproof.VerifyAppendOnly(cp, later, cons); err != nil {
		t.Fatalf("VerifyAppendOnly %d..%d: %v", cp.Size, later.Size, err)
	}
	// from = to: an empty proof, both roots the same.
	status, _, b := c.get(t, fmt.Sprintf("/v1/log/proof/consistency?from=%d&to=%d", later.Size, later.Size))
	if status != http.StatusOK || !strings.Contains(string(b), `"hashes":[]`) {
		t.Errorf("from = to: got %d %s, want 200 with hashes []", status, b)
	}
}

func TestLogBadParamsAreProblems(t *testing.T) {
	c := newLogClient(t)
	size := c.checkpoint(t).Size
	tests := []struct {
		name, path, field string
	}{
		{"inclusion without seq", "/v1/log/proof/inclusion", "query.seq"},
		{"seq 0", "/v1/log/proof/inclusion?seq=0", "query.seq"},
		{"negative seq", "/v1/log/proof/inclusion?seq=-1", "query.seq"},
		{"seq not a number", "/v1/log/proof/inclusion?seq=one", "query.seq"},
		{"seq over uint64", "/v1/log/proof/inclusion?seq=18446744073709551616", "query.seq"},
		{"seq beyond the feed", fmt.Sprintf("/v1/log/proof/inclusion?seq=%d", size+1), "query.seq"},
		{"seq beyond size", "/v1/log/proof/inclusion?seq=3&size=2", "query.seq"},
		{"size beyond the feed", fmt.Sprintf("/v1/log/proof/inclusion?seq=1&size=%d", size+1), "query.size"},
		{"negative size", "/v1/log/proof/inclusion?seq=1&size=-2", "query.size"},
		{"size not a number", "/v1/log/proof/inclusion?seq=1&size=all", "query.size"},
		{"unknown parameter", "/v1/log/proof/inclusion?seq=1&index=0", "query.index"},
		{"consistency without from", "/v1/log/proof/consistency?to=2", "query.from"},
		{"consistency without to", "/v1/log/proof/consistency?from=1", "query.to"},
		{"from 0", "/v1/log/proof/consistency?from=0&to=2", "query.from"},
		{"to 0", "/v1/log/proof/consistency?from=1&to=0", "query.to"},
		{"from over to", "/v1/log/proof/consistency?from=3&to=2", "query.from"},
		{"to beyond the feed", fmt.Sprintf("/v1/log/proof/consistency?from=1&to=%d", size+1), "query.to"},
		{"negative from", "/v1/log/proof/consistency?from=-1&to=2", "query.from"},
		{"checkpoint with a parameter", "/v1/log/checkpoint?size=3", "query.size"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, ct, b := c.get(t, tc.path)
			if status != http.StatusUnprocessableEntity {
				t.Fatalf("status: got %d, want 422: %s", status, b)
			}
			if !strings.HasPrefix(ct, "application/problem+json") {
				t.Errorf("content type: got %q, want application/problem+json", ct)
			}
			var p struct {
				Title, Detail string
				Status        int
				Errors        []struct{ Location string }
			}
			if err := json.Unmarshal(b, &p); err != nil {
				t.Fatalf("problem: %v: %s", err, b)
			}
			if p.Status != 422 || p.Title == "" || p.Detail == "" {
				t.Errorf("problem: got %+v, want status 422 with title and detail", p)
			}
			var locs []string
			for _, e := range p.Errors {
				locs = append(locs, e.Location)
			}
			if len(locs) == 0 || locs[0] != tc.field {
				t.Errorf("errors: got locations %v, want %s first: %s", locs, tc.field, b)
			}
		})
	}
}
