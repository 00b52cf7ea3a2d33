package openapi_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/corfed/corfed/registry/node"
)

// TestEquivalenciesAreTheAdministrators: an equivalency is the program's
// acceptance of an ISO/CSA 45001 certification, and recognition answers
// rest on it. A CP token minted with equivalencies:write (ESC, which
// certifies nothing of Prairie Steel) may neither record one for ACSA's
// holder nor withdraw the one the administrator recorded. (corfed token
// no longer gives a CP that scope; a token signed before may hold it.)
func TestEquivalenciesAreTheAdministrators(t *testing.T) {
	f := newFixture(t)
	f.tok["esc+eqv"] = cpTokenWithScopes(t, f, "ESC", node.ScopeCertificates, node.ScopeEmployers, node.ScopeAudits, node.ScopeEquivalencies)
	eqv := func(number string) string {
		return `{"employer_bn":"` + bnPrairie + `","standard":"ISO 45001:2018","external_number":"` + number + `","certification_body":"B",` +
			`"valid_from":"2025-01-01","valid_to":"2028-01-01","iaf_accredited":true,"scope_aligned":true,"decision":"accepted","status":"active"}`
	}
	if code, _, b := f.do(t, "POST", "/v1/equivalencies", "admin", eqv("ADM1")); code != 201 {
		t.Fatalf("set-up: the administrator records an equivalency: %d %s", code, b)
	}
	before := feedSize(t, f)
	if code, _, b := f.do(t, "PATCH", "/v1/equivalencies/EQ-"+bnPrairie+"-ADM1", "esc+eqv",
		`{"action":"withdraw","reason":"ESC says so"}`); code != 403 {
		t.Errorf("ESC withdraws the equivalency the administrator recorded for ACSA's holder: got %d, want 403: %s", code, b)
	}
	if code, _, b := f.do(t, "POST", "/v1/equivalencies", "esc+eqv", eqv("ESC1")); code != 403 {
		var rec struct{ By struct{ Role, CP string } }
		_ = json.Unmarshal(b, &rec)
		t.Errorf("ESC records an equivalency: got %d (signed by %+v), want 403", code, rec.By)
	}
	if after := feedSize(t, f); after != before {
		t.Errorf("the feed grew from %d to %d on refused writes", before, after)
	}
}

// TestSupersededByTheSameEmployersCertificate: a supersede frees the
// audit the certificate rests on and its signed history names the
// successor. ACSA may not supersede Prairie Steel's COR "by" ESC's
// certificate of Wildrose Pipeline, nor by a certificate of Prairie
// Steel another CP issued; the administrator may name another CP's
// certificate of the same employer.
func TestSupersededByTheSameEmployersCertificate(t *testing.T) {
	f := newFixture(t)
	before := feedSize(t, f)
	code, _, b := f.do(t, "PATCH", "/v1/certificates/ACSA-20250417", "acsa",
		`{"action":"supersede","reason":"renewed","superseded_by":"ESC-ESC-33871"}`)
	if code != 422 || !slices.Equal(sortedLocations(t, b), []string{"body.superseded_by"}) {
		t.Errorf("superseded by another CP's certificate of another employer: got %d, want 422 at body.superseded_by: %s", code, b)
	}
	if code, _, b := f.do(t, "PATCH", "/v1/certificates/ACSA-20250417", "admin",
		`{"action":"supersede","reason":"renewed","superseded_by":"ESC-ESC-33871"}`); code != 422 {
		t.Errorf("the administrator: superseded by another employer's certificate: got %d, want 422: %s", code, b)
	}
	if after := feedSize(t, f); after != before {
		t.Errorf("the feed grew from %d to %d on refused writes", before, after)
	}
}
