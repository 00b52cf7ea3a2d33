package openapi_test

import (
	"slices"
	"testing"
)

// TestSubscriptionDescriptionIsCheckedText: a subscription's description
// is text like any other (no NUL, BEL or RIGHT-TO-LEFT OVERRIDE), and the
// egress check of its URL (a loopback address) is reported with the
// body's other problems, not alone.
func TestSubscriptionDescriptionIsCheckedText(t *testing.T) {
	f := newFixture(t)
	code, _, b := f.do(t, "POST", "/v1/subscriptions", "admin",
		`{"url":"https://93.184.216.34/hook","watch":[{"bn":"`+bnPrairie+`"}],"description":"invoice\u202e\u0000fdp.exe\u0007"}`)
	if code != 422 || !slices.Equal(sortedLocations(t, b), []string{"body.description"}) {
		t.Errorf("a description with NUL, BEL and U+202E: got %d, want 422 at body.description: %s", code, b)
	}
	code, _, b = f.do(t, "POST", "/v1/subscriptions", "admin",
		`{"url":"http://127.0.0.1/hook","watch":[{"bn":"`+bnPrairie+`"}],"expiring_days":[400]}`)
	if got := sortedLocations(t, b); code != 422 || !slices.Equal(got, []string{"body.expiring_days[0]", "body.url"}) {
		t.Errorf("a loopback URL and an expiring day out of range: got %d at %v, want both: %s", code, got, b)
	}
}
