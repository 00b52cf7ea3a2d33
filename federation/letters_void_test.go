package federation_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/registry"
)

// TestLetterAfterWorkStartedIsRefused: DOMAIN.md, MB reciprocity is "void
// once work starts in MB, when a COR Equivalency (with the Manitoba
// supplement) is needed". After work started under MB's letter, a new bid
// letter for the same certificate is refused (422) and recognition stays
// void. Before, the second letter was issued and recognition came back.
func TestLetterAfterWorkStartedIsRefused(t *testing.T) {
	ms, _ := startFederation(t, registry.Jurisdictions)
	mb := ms["CA-MB"]
	body := map[string]any{"employer_bn": "812345676", "certificate": "ACSA-20250417", "host": "CA-MB", "kind": "bid", "issued_on": "2026-11-20"}
	if st := mb.call(t, "POST", "/v1/letters", body, nil); st != http.StatusCreated {
		t.Fatalf("first letter: %d", st)
	}
	if st := mb.call(t, "POST", "/v1/letters/MB-ACSA-20250417-20261120/work-started", map[string]any{"on": "2026-12-01"}, nil); st >= 300 {
		t.Fatalf("work started: %d", st)
	}
	ask := func() federation.Answer {
		var a federation.Answer
		mb.call(t, "GET", "/v1/recognition?bn=812345676&host=CA-MB&sector=construction&use=bid&on=2026-12-05", nil, &a)
		return a
	}
	if a := ask(); a.Decision.Outcome != "not_recognized" || !slices.Contains(codes(a.Decision), "letter_void_work_started") {
		t.Fatalf("after work started: %s %v", a.Decision.Outcome, codes(a.Decision))
	}
	body["issued_on"] = "2026-12-04"
	if st := mb.call(t, "POST", "/v1/letters", body, nil); st != http.StatusUnprocessableEntity {
		t.Errorf("a second letter after work started: %d, want 422", st)
	}
	if a := ask(); a.Decision.Outcome != "not_recognized" || !slices.Contains(codes(a.Decision), "letter_void_work_started") {
		t.Errorf("after the second letter was asked for: %s until %s %v, want not_recognized, letter_void_work_started", a.Decision.Outcome, a.Decision.ValidUntil, codes(a.Decision))
	}
}
