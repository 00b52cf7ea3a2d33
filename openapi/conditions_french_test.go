package openapi_test

import (
	"strings"
	"testing"
)

// TestConditionOnAnOperationWithoutConditionsInFrench: If-Match on a
// POST that takes no conditions is a 400 whose errors[0].message stays
// English in a French problem (preconditions.go:125-126), and its detail
// spoke of a malformed body though the body is fine.
func TestConditionOnAnOperationWithoutConditionsInFrench(t *testing.T) {
	f := newFixture(t)
	req := f.req(t, "POST", "/v1/employers", "admin", `{"bn":"123456782","legal_name":"X"}`)
	req.Header.Set("Accept-Language", "fr")
	req.Header.Set("If-Match", `"x"`)
	code, h, body := f.send(t, req)
	if code != 400 || h.Get("Content-Language") != "fr" {
		t.Fatalf("status %d, Content-Language %q: %s", code, h.Get("Content-Language"), body)
	}
	if strings.Contains(string(body), "this operation does not take conditions") || !strings.Contains(string(body), "cette opération ne prend pas de conditions") {
		t.Errorf("the French problem's message is not French: %s", body)
	}
	if strings.Contains(string(body), "JSON mal formé") || !strings.Contains(string(body), "l'en-tête de condition") {
		t.Errorf("the detail is not the conditions' one (the body is fine): %s", body)
	}
}
