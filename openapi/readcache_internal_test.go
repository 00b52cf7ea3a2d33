package openapi

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// TestReadCacheKeepsOneVersion: the read cache holds only answers made at
// the feed's newest version it was given. After a write, the first answer
// kept empties it of those the write retired (until session 32 they stayed
// until 20,000 had piled up); an answer made before the write, kept after
// it, is dropped.
func TestReadCacheKeepsOneVersion(t *testing.T) {
	n := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true})
	c := newReadCache(n.Node)
	var during func() // run inside the next request's handler, once
	h := c.middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if f := during; f != nil {
			during = nil
			f()
		}
		w.WriteHeader(http.StatusOK)
		fmt.Fprintf(w, `{"path":%q}`, r.URL.Path)
	}))
	read := func(id string) {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/v1/certificates/"+id, nil))
		if w.Code != http.StatusOK {
			t.Fatalf("GET %s: %d", id, w.Code)
		}
	}
	held := func() int {
		c.mu.RLock()
		defer c.mu.RUnlock()
		return len(c.m)
	}
	write := func(i int) {
		if _, err := n.PutEmployer(context.Background(), nodetest.Admin(), registry.Employer{BN: nodetest.BN(i), LegalName: fmt.Sprintf("Cache %d Ltd", i)}, true); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 50 {
		read(fmt.Sprintf("C-%d", i))
	}
	if got := held(); got != 50 {
		t.Fatalf("%d answers held after 50 reads, want 50", got)
	}
	write(1)
	read("C-0")
	if got := held(); got != 1 {
		t.Errorf("after a write and one read: %d answers held, want 1 (the 50 others are retired)", got)
	}
	during = func() { write(2) }
	read("C-1") // made before the write it saw
	if got := held(); got != 1 {
		t.Errorf("an answer made before a write was kept beside the newer: %d held, want 1", got)
	}
	read("C-2")
	read("C-3")
	if got := held(); got != 2 {
		t.Errorf("%d answers held after two reads at the newest version, want 2", got)
	}
}
