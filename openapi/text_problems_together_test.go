package openapi_test

import (
	"slices"
	"testing"
)

// TestTextProblemsAreReportedWithTheOthers: a body whose reason holds a
// control character and that breaks another rule gets one 422 naming both
// (every problem at once). The review step's reason is checked only when
// the review record is validated in the commit, after the up-front checks
// (review.go:640-665) have already answered; a discipline body the schema
// refuses has no record rules (rules.go), so its reason is never named.
func TestTextProblemsAreReportedWithTheOthers(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name, method, path, body string
		want                     []string
	}{
		{"review step dated ahead, NUL in the reason", "PATCH", "/v1/reviews/ER-ACSA-20250314-20260414",
			`{"action":"close","reason":"a\u0000b","on":"2999-01-01"}`, []string{"body.on", "body.reason"}},
		{"review step with a due date it does not take, BEL in the reason", "PATCH", "/v1/reviews/ER-ACSA-20250314-20260414",
			`{"action":"close","reason":"a\u0007b","due_on":"2999-02-01"}`, []string{"body.due_on", "body.reason"}},
		{"discipline with an unknown action, NUL in the reason", "POST", "/v1/auditors/AUD-0003/discipline",
			`{"action":"bogus","reason":"a\u0000b"}`, []string{"body.action", "body.reason"}},
	}
	before := f.feedSize(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, body := f.do(t, tc.method, tc.path, "admin", tc.body)
			if code != 422 {
				t.Fatalf("status %d, want 422: %s", code, body)
			}
			got := sortedLocations(t, body)
			for _, w := range tc.want {
				if !slices.Contains(got, w) {
					t.Errorf("the problem does not name %s (names %q): %s", w, got, body)
				}
			}
		})
	}
	if after := f.feedSize(t); after != before {
		t.Errorf("feed grew from %d to %d", before, after)
	}
}
