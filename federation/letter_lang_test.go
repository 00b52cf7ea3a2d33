package federation_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
)

// TestLetterRefusalInRequestLanguage: a refused letter's reasons are in
// the request's language (Accept-Language), as a recognition answer's
// are; their codes do not change.
func TestLetterRefusalInRequestLanguage(t *testing.T) {
	ms, _ := startFederation(t, []registry.Jurisdiction{"CA-AB", "CA-BC"})
	syncAll(t, ms)
	bc := ms["CA-BC"]
	const body = `{"employer_bn":"812345676","certificate":"ACSA-20250417","host":"CA-BC","kind":"temporary","issued_on":"2026-11-01"}`
	for _, c := range []struct {
		lang, contentLang, title, first string
	}{
		{"", "en", "Letter refused", "no_basis: Employer 812345676 is not recognized in British Columbia for work on 2026-11-01: "},
		{"en-CA", "en", "Letter refused", "no_basis: Employer 812345676 is not recognized in British Columbia for work on 2026-11-01: "},
		{"fr-CA", "fr", "Lettre refusée", "no_basis: L'employeur 812345676 n'est pas reconnu en Colombie-Britannique "},
	} {
		req, err := http.NewRequest("POST", bc.srv.URL+"/v1/letters", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+bc.n.Token(t, node.TokenRequest{Role: node.RoleAdmin}))
		req.Header.Set("Content-Type", "application/json")
		if c.lang != "" {
			req.Header.Set("Accept-Language", c.lang)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		var p struct {
			Title  string
			Errors []struct{ Message, Location, Value string }
		}
		if err := json.Unmarshal(b, &p); err != nil || res.StatusCode != http.StatusUnprocessableEntity || len(p.Errors) < 2 {
			t.Fatalf("%q: %d %s", c.lang, res.StatusCode, b)
		}
		if got := res.Header.Get("Content-Language"); got != c.contentLang || p.Title != c.title {
			t.Errorf("%q: Content-Language %q, title %q; want %q, %q", c.lang, got, p.Title, c.contentLang, c.title)
		}
		if !strings.HasPrefix(p.Errors[0].Message, c.first) {
			t.Errorf("%q: first reason %q, want it to start %q", c.lang, p.Errors[0].Message, c.first)
		}
		for _, e := range p.Errors {
			if e.Location != "body.certificate" || !strings.HasPrefix(e.Message, e.Value+": ") {
				t.Errorf("%q: reason %+v: want at body.certificate, its code as value and first", c.lang, e)
			}
			if c.contentLang == "fr" && strings.Contains(e.Message, " is ") {
				t.Errorf("%q: reason in English: %q", c.lang, e.Message)
			}
		}
	}
}
