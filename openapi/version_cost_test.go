package openapi_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// TestOneVersionCostsOneRead: GET /v1/certificates/{id}/versions/1 reads
// that version only: its allocations do not grow with the certificate's
// versions (200 more here). Before, it read and decoded every version to
// index one. A version past the last is 404.
func TestOneVersionCostsOneRead(t *testing.T) {
	n := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true})
	h := fullHandler(t, n)
	const id = "ACSA-20250417"
	tok := n.Token(t, node.TokenRequest{Role: node.RoleAdmin})
	get := func(path string) int {
		w := httptest.NewRecorder()
		r := httptest.NewRequest(http.MethodGet, path, nil)
		r.Header.Set("Authorization", "Bearer "+tok) // past the edge's read cache
		h.ServeHTTP(w, r)
		return w.Code
	}
	cost := func() float64 {
		return testing.AllocsPerRun(20, func() {
			if code := get("/v1/certificates/" + id + "/versions/1"); code != 200 {
				t.Fatalf("version 1: %d", code)
			}
		})
	}
	before := cost()
	for i := range 200 {
		sector := []string{"construction", "manufacturing"}[i%2]
		if _, err := n.UpdateCertificate(t.Context(), nodetest.Admin(), id, node.CertificateUpdate{Sector: sector}); err != nil {
			t.Fatal(err)
		}
	}
	after := cost()
	if after > before*1.5+10 {
		t.Errorf("GET a version: %.0f allocations with a few versions, %.0f with 200 more", before, after)
	}
	if code := get("/v1/certificates/" + id + "/versions/1000"); code != 404 {
		t.Errorf("version 1000: %d, want 404", code)
	}
}
