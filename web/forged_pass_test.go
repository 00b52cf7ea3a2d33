package web_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/corfed/corfed/registry/pass"
)

// TestVerifyForgedPass: a pass signed with the node's own key (as a key
// that leaked would sign it) for a certificate the log does not hold is
// refused on the verify page, in both languages, as forged: the page said
// it held.
func TestVerifyForgedPass(t *testing.T) {
	s := newSite(t)
	_, p, err := s.ps.Issue(context.Background(), "ACSA-20250417")
	if err != nil {
		t.Fatal(err)
	}
	p.EmployerName = "Fly By Night Contracting Ltd"
	forged, err := pass.Encode(p, s.n.ActiveKey())
	if err != nil {
		t.Fatal(err)
	}
	for lang, want := range map[string]string{
		"en": "what it says is not in its registry&#39;s log",
		"fr": "ce qu&#39;il affirme ne figure pas au journal de son registre",
	} {
		_, body := s.get(t, "/verify?lang="+lang+"&pass="+url.QueryEscape(forged))
		if !strings.Contains(body, want) {
			t.Errorf("%s: the page does not say the pass is forged: %s", lang, excerpt(body))
		}
	}
}
