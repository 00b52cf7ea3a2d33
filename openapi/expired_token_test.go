package openapi_test

import (
	"strings"
	"testing"
)

// TestExpiredTokenIsCalledExpired: a token past its exp that this node
// has not seen before (any token after a restart) is told "does not verify
// against this node's active key (malformed, signed by a retired or
// another key …)", sending its holder after keys; the same token, once
// cached while valid, is told "has expired" (api.go:304-319 maps only the
// cached path's wording; jose.VerifyJWT's exp error falls to the default).
func TestExpiredTokenIsCalledExpired(t *testing.T) {
	f := newFixture(t)
	code, _, body := f.do(t, "GET", "/v1/subscriptions", "expired", "")
	if code != 401 {
		t.Fatalf("status %d", code)
	}
	if !strings.Contains(string(body), "expired") {
		t.Errorf("an expired token's 401 does not say it expired: %s", body)
	}
	req := f.req(t, "GET", "/v1/subscriptions", "expired", "")
	req.Header.Set("Accept-Language", "fr")
	code, _, body = f.send(t, req)
	if code != 401 || !strings.Contains(string(body), "expiré") {
		t.Errorf("in French, an expired token's 401 does not say it expired: %d %s", code, body)
	}
}
