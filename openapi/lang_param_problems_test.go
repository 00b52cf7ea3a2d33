package openapi_test

import (
	"strings"
	"testing"
)

// TestLangParameterAlsoChoosesTheProblemsLanguage: the operations that
// take ?lang= (recognition, audits, lifecycle run) document it as the
// language of their texts, and a good answer with lang=fr is French
// (Content-Language: fr). A refusal of the same request is English
// (Content-Language: en): the problem's language is read from
// Accept-Language only (problemlang.go:52, frenchOf).
func TestLangParameterAlsoChoosesTheProblemsLanguage(t *testing.T) {
	f := newFixture(t)
	for _, c := range []struct{ method, path, token, body string }{
		{"GET", "/v1/recognition?bn=123456789&host=CA-BC&lang=fr", "", ""},
		{"POST", "/v1/audits?lang=fr", "admin", `{"employer_bn":"123456789"}`},
	} {
		code, h, body := f.do(t, c.method, c.path, c.token, c.body)
		if code != 422 {
			t.Fatalf("%s %s: status %d", c.method, c.path, code)
		}
		if got := h.Get("Content-Language"); got != "fr" || !strings.Contains(string(body), "Données invalides") {
			t.Errorf("%s %s: a refusal of a request asking lang=fr is in %q: %.200s", c.method, c.path, got, body)
		}
	}
	// lang=en wins over an Accept-Language preferring French, as it does
	// for the answer.
	req := f.req(t, "GET", "/v1/recognition?bn=123456789&host=CA-BC&lang=en", "", "")
	req.Header.Set("Accept-Language", "fr")
	code, h, body := f.send(t, req)
	if code != 422 || h.Get("Content-Language") != "en" || !strings.Contains(string(body), "Invalid input") {
		t.Errorf("lang=en with Accept-Language: fr: %d %q: %.200s", code, h.Get("Content-Language"), body)
	}
}
