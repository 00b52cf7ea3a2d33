package openapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/corfed/corfed/registry"
)

// etagOf GETs path and returns its ETag.
func (f *fixture) etagOf(t *testing.T, path string) string {
	t.Helper()
	code, h, b := f.rawDo(t, http.MethodGet, path, "", "", "")
	if code != http.StatusOK || h.Get("ETag") == "" {
		t.Fatalf("GET %s: %d, ETag %q: %s", path, code, h.Get("ETag"), b)
	}
	return h.Get("ETag")
}

// versionsOf is how many versions the node holds of a record.
func (f *fixture) versionsOf(t *testing.T, kind registry.Kind, id string) int {
	t.Helper()
	es, err := f.n.Versions(t.Context(), kind, id)
	if err != nil {
		return 0
	}
	return len(es)
}

// problemAt returns the location of a problem's first error.
func problemAt(t *testing.T, b []byte) string {
	t.Helper()
	var p struct {
		Status int `json:"status"`
		Errors []struct {
			Location string `json:"location"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(b, &p); err != nil || len(p.Errors) == 0 {
		t.Fatalf("not a problem with errors: %s", b)
	}
	return p.Errors[0].Location
}

// TestConditionalWrites: a write sent with the ETag its author read
// (If-Match) lands while the record is as read, and is refused with 412,
// changing nothing, once anything the GET shows has changed; If-None-Match: *
// makes a PUT create only; a write that cannot honour a condition refuses it.
func TestConditionalWrites(t *testing.T) {
	f := newFixture(t)
	const js = "application/json"
	const cert = "/v1/certificates/ACSA-20250417"
	const scope = `{"wcb_accounts":["4512876"],"industry_scope":["236220"],"sector":"construction"}`
	const scope2 = `{"wcb_accounts":["4512876"],"industry_scope":["236220","238120"],"sector":"construction"}`
	suspend := `{"action":"suspend","reason":"missed its maintenance audit"}`

	tag := f.etagOf(t, cert)
	v0 := f.versionsOf(t, registry.KindCertificate, "ACSA-20250417")

	tests := []struct {
		name, method, path, token, body string
		hdr                             []string
		want                            int
		where                           string // the 412's or 400's error location
		wrote                           bool
	}{
		{"a weak tag never matches If-Match", "PUT", cert, "admin", scope, []string{"If-Match", "W/" + tag}, 412, "header.If-Match", false},
		{"another tag", "PUT", cert, "admin", scope, []string{"If-Match", `"not-the-tag"`}, 412, "header.If-Match", false},
		{"the tag read", "PUT", cert, "admin", scope, []string{"If-Match", `"x", ` + tag}, 200, "", true},
		{"the same tag, now stale", "PUT", cert, "admin", scope, []string{"If-Match", tag}, 412, "header.If-Match", false},
		{"a stale tag on a status change", "PATCH", cert, "admin", suspend, []string{"If-Match", tag}, 412, "header.If-Match", false},
		{"a stale tag on POST .../status", "POST", cert + "/status", "admin", suspend, []string{"If-Match", tag}, 412, "header.If-Match", false},
		{"* with the fields it has: no new version", "PUT", cert, "admin", scope, []string{"If-Match", "*"}, 200, "", false},
		{"* on a record that exists", "PUT", cert, "admin", scope2, []string{"If-Match", "*"}, 200, "", true},
		{"* on a record that does not", "PUT", "/v1/certificates/ACSA-NONE", "admin", scope, []string{"If-Match", "*"}, 412, "header.If-Match", false},
		{"If-None-Match: * on an employer that exists", "PUT", "/v1/employers/" + bnPrairie, "admin",
			`{"bn":"` + bnPrairie + `","legal_name":"Prairie Steel Erectors Ltd."}`, []string{"If-None-Match", "*"}, 412, "header.If-None-Match", false},
		{"If-None-Match: * on a new employer", "PUT", "/v1/employers/" + newBN, "admin",
			`{"bn":"` + newBN + `","legal_name":"Ile Verte Constructions Inc."}`, []string{"If-None-Match", "*"}, 200, "", true},
		{"a create takes no condition", "POST", "/v1/employers", "admin",
			`{"bn":"123456790","legal_name":"Other"}`, []string{"If-Match", tag}, 400, "header.If-Match", false},
		{"no token: 401 whatever the condition", "PUT", cert, "", scope, []string{"If-Match", `"stale"`}, 401, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kind, id := registry.KindCertificate, "ACSA-20250417"
			switch tt.path {
			case "/v1/employers/" + bnPrairie:
				kind, id = registry.KindEmployer, bnPrairie
			case "/v1/employers/" + newBN:
				kind, id = registry.KindEmployer, newBN
			case "/v1/employers":
				kind, id = registry.KindEmployer, "123456790"
			case "/v1/certificates/ACSA-NONE":
				id = "ACSA-NONE"
			}
			before := f.versionsOf(t, kind, id)
			code, h, b := f.rawDo(t, tt.method, tt.path, js, tt.token, tt.body, tt.hdr...)
			if code != tt.want {
				t.Fatalf("got %d, want %d: %s", code, tt.want, b)
			}
			if tt.where != "" {
				if got := problemAt(t, b); got != tt.where {
					t.Errorf("error at %q, want %q: %s", got, tt.where, b)
				}
			}
			if code == 412 && tt.path == cert && h.Get("ETag") != f.etagOf(t, cert) {
				t.Errorf("a 412's ETag %q is not the record's current one", h.Get("ETag"))
			}
			after := f.versionsOf(t, kind, id)
			if wrote := after > before; wrote != tt.wrote {
				t.Errorf("versions %d -> %d; want a write: %v", before, after, tt.wrote)
			}
		})
	}
	if got := f.versionsOf(t, registry.KindCertificate, "ACSA-20250417"); got != v0+2 {
		t.Errorf("the certificate has %d versions, want %d", got, v0+2)
	}

	// A GET with an If-Match that does not hold is a 412 too.
	if code, _, b := f.rawDo(t, http.MethodGet, cert, "", "", "", "If-Match", tag); code != 412 {
		t.Errorf("GET with a stale If-Match: %d: %s", code, b)
	}
	if code, _, b := f.rawDo(t, http.MethodGet, cert, "", "", "", "If-Match", f.etagOf(t, cert)); code != 200 {
		t.Errorf("GET with the current If-Match: %d: %s", code, b)
	}
}

// TestConcurrentConditionalWrites: clerks who read the same version and
// send their changes at once with its ETag: exactly one lands, every other
// gets 412, and nothing is overwritten unseen. Without the version check
// where writes are ordered, the edge's comparison alone let several land.
func TestConcurrentConditionalWrites(t *testing.T) {
	f := newFixture(t)
	const cert = "/v1/certificates/ACSA-20250417"
	for round := range 5 {
		tag := f.etagOf(t, cert)
		before := f.versionsOf(t, registry.KindCertificate, "ACSA-20250417")
		const clerks = 12
		codes := make([]int, clerks)
		var wg sync.WaitGroup
		for i := range clerks {
			wg.Go(func() {
				// Every clerk's change differs from the record as it stands
				// (a PUT of the record as it stands writes nothing).
				sector := []string{"construction", "roofing", "manufacturing"}[i%3]
				codes[i], _, _ = f.rawDo(t, http.MethodPut, cert, "application/json", "admin",
					fmt.Sprintf(`{"wcb_accounts":["4512876"],"industry_scope":["2362%02d"],"sector":"%s"}`, round*clerks+i, sector), "If-Match", tag)
			})
		}
		wg.Wait()
		ok := 0
		for _, c := range codes {
			switch c {
			case 200:
				ok++
			case 412:
			default:
				t.Fatalf("round %d: a clerk got %d", round, c)
			}
		}
		after := f.versionsOf(t, registry.KindCertificate, "ACSA-20250417")
		if ok != 1 || after != before+1 {
			t.Fatalf("round %d: %d writes landed (%d -> %d versions), want exactly 1: %v", round, ok, before, after, codes)
		}
	}
}
