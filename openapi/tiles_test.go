package openapi_test

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"github.com/corfed/corfed/openapi"
	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/node/nodetest"
	"github.com/corfed/corfed/registry/tiles"
)

// TestNoteKey: GET /v1/log/note-key is the vkey of the node's active
// Ed25519 key under its origin, usable as is by x/mod's note; an ES256
// node answers 404 with a problem.
func TestNoteKey(t *testing.T) {
	c := newLogClient(t)
	status, ct, b := c.get(t, "/v1/log/note-key")
	if status != http.StatusOK || !strings.HasPrefix(ct, "text/plain") {
		t.Fatalf("got %d %s, want 200 text/plain: %s", status, ct, b)
	}
	v, err := note.NewVerifier(string(b))
	if err != nil {
		t.Fatalf("note.NewVerifier(%q): %v", b, err)
	}
	if v.Name() != "corfed/CA-AB" {
		t.Errorf("key name %q, want corfed/CA-AB", v.Name())
	}
	want, err := tiles.VerifierKey("corfed/CA-AB", c.n.ActiveKey().Public())
	if err != nil || string(b) != want {
		t.Errorf("vkey %q, want %q (%v)", b, want, err)
	}

	es := nodetest.New(t, "CA-BC", nodetest.Options{Alg: jose.ES256})
	srv := httptest.NewServer(openapi.New(openapi.Config{Node: es.Node}))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/v1/log/note-key")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/problem+json") {
		t.Fatalf("ES256 node: got %d %s, want 404 problem", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

// TestNoteKeys: GET /v1/log/note-keys is the vkey of every Ed25519 key
// of the node, the active one first, one a line, as the note-keys object
// of its tiles; an ES256 node answers 404 with a problem.
func TestNoteKeys(t *testing.T) {
	c := newLogClient(t)
	retired, err := tiles.VerifierKey("corfed/CA-AB", c.n.ActiveKey().Public())
	if err != nil {
		t.Fatal(err)
	}
	ring, err := jose.LoadKeyring(filepath.Join(c.n.Dir, "keys.json"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ring.Rotate(jose.EdDSA, nodetest.Now); err != nil {
		t.Fatal(err)
	}
	if err := c.n.SetKeys(t.Context(), ring); err != nil {
		t.Fatal(err)
	}
	status, ct, b := c.get(t, "/v1/log/note-keys")
	if status != http.StatusOK || !strings.HasPrefix(ct, "text/plain") {
		t.Fatalf("got %d %s, want 200 text/plain: %s", status, ct, b)
	}
	want, err := tiles.NoteKeys(c.n)
	if err != nil {
		t.Fatal(err)
	}
	active, err := tiles.VerifierKey("corfed/CA-AB", c.n.ActiveKey().Public())
	if err != nil || string(b) != strings.Join(want, "\n")+"\n" || len(want) != 2 || want[0] != active || want[1] != retired {
		t.Errorf("note-keys %q, want %q: the active key %s, then the retired %s (%v)", b, want, active, retired, err)
	}

	es := nodetest.New(t, "CA-BC", nodetest.Options{Alg: jose.ES256})
	srv := httptest.NewServer(openapi.New(openapi.Config{Node: es.Node}))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/v1/log/note-keys")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/problem+json") {
		t.Fatalf("ES256 node: got %d %s, want 404 problem", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}
