package registry_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/corfed/corfed/registry"
)

// TestRuleFileDecodeErrorsNameTheField: testdata/rules/README.md says that
// a rule file's errors name the offending field as a JSON path. That holds
// for what fails to decode too (an impossible date, an unknown member, a
// name twice, a value of the wrong type), not only for what fails
// validation.
func TestRuleFileDecodeErrorsNameTheField(t *testing.T) {
	rule := func(extra string) string {
		return `{"issuer":"CA-AB","rules":[{"id":"r1","jurisdiction":"CA-AB","effective_from":"2010-01-01","effective_to":"2019-12-31","sources":["s"]},` +
			`{"id":"x","jurisdiction":"CA-AB","effective_from":"2020-01-01","sources":["a"]` + extra + `}]}`
	}
	agreement := func(host string) string {
		return `{"issuer":"CA-AB","terms":{"id":"a","title":"t","parties":["CA-AB","CA-BC"],"sector":"construction","programs":["COR"],` +
			`"hosts":[{"host":"CA-AB"},{"host":"CA-BC"` + host + `}],"effective_from":"2026-01-01","sources":["s"]}}`
	}
	for _, c := range []struct {
		name, in, field, says string
		agreement             bool
	}{
		{"impossible date", strings.Replace(rule(""), "2020-01-01", "2020-02-30", 1), "rules[1].effective_from", "2020-02-30", false},
		{"unknown member", rule(`,"bogus":1`), "rules[1].bogus", "unknown", false},
		{"name twice", rule(`,"id":"y"`), "rules[1].id", "twice", false},
		{"name twice, other case", rule(`,"ID":"y"`), "rules[1].ID", "twice", false},
		{"name twice, escaped", rule(`,"\u0069d":"y"`), "rules[1].id", "twice", false},
		{"number as a string", rule(`,"equivalency":[{"accepted":true,"term_months":"6"}]`), "rules[1].equivalency[0].term_months", "string", false},
		{"fraction for an integer", rule(`,"equivalency":[{"accepted":true,"term_months":1.5}]`), "rules[1].equivalency[0].term_months", "number", false},
		{"object for a list", rule(`,"programs":{"a":1}`), "rules[1].programs", "object", false},
		{"unknown member at the top", `{"issuer":"CA-AB","rules":[],"x":1}`, "x", "unknown", false},
		{"issuer twice", `{"issuer":"CA-AB","issuer":"CA-BC","rules":[]}`, "issuer", "twice", false},
		{"a version not an object", `{"issuer":"CA-AB","rules":[{},[]]}`, "rules[1]", "array", false},
		{"agreement: unknown member of a host", agreement(`,"cap":6`), "terms.hosts[1].cap", "unknown", true},
		{"agreement: cap as a string", agreement(`,"cap_months":"6"`), "terms.hosts[1].cap_months", "string", true},
		{"agreement: impossible date", strings.Replace(agreement(""), "2026-01-01", "2026-13-01", 1), "terms.effective_from", "2026-13-01", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			var err error
			if c.agreement {
				_, _, err = registry.ParseAgreementFile([]byte(c.in))
			} else {
				_, err = registry.ParseHostRulesFile([]byte(c.in))
			}
			if !errors.Is(err, registry.ErrInvalid) {
				t.Fatalf("got %v, want ErrInvalid", err)
			}
			ps := registry.Problems(err)
			if len(ps) != 1 || ps[0].Field != c.field || !strings.Contains(ps[0].Reason, c.says) {
				t.Errorf("got %v (problems %v); want one problem at %s saying %q", err, ps, c.field, c.says)
			}
		})
	}
	// Not JSON at all, or not an object: no field to name, still ErrInvalid.
	for _, in := range []string{`{"issuer":`, `[]`, `{"issuer":"CA-AB","rules":[]} {}`, "\xff"} {
		if _, err := registry.ParseHostRulesFile([]byte(in)); !errors.Is(err, registry.ErrInvalid) {
			t.Errorf("%q: got %v, want ErrInvalid", in, err)
		}
	}
}

// FuzzRuleFileErrors feeds both rule file parsers arbitrary bytes (seeded
// with the rule files, names twice, numbers as strings and deep nesting):
// they never panic; an error wraps ErrInvalid, and for a document that is
// a JSON object (in valid UTF-8) it names a field; what parses validates and yields a
// signing payload.
func FuzzRuleFileErrors(f *testing.F) {
	for _, sub := range []string{"hosts", "agreements"} {
		for _, p := range ruleFiles(f, sub) {
			b, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	f.Add([]byte(`{"issuer":"CA-AB","rules":[{"id":"x","id":"y"}]}`))
	f.Add([]byte(`{"issuer":"CA-AB","terms":{"id":"a","hosts":[{"host":"CA-AB","cap_months":"6"}]}}`))
	f.Add([]byte(`{"issuer":"CA-AB","rules":[` + strings.Repeat("[", 5000) + `]}`))
	f.Add([]byte(`{"issuer":"CA-AB","rules":[{"id":"x","jurisdiction":"CA-AB","effective_from":"2010-02-30","sources":["a"]}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		object := utf8.Valid(b) && json.Valid(b) && bytes.HasPrefix(bytes.TrimLeft(b, " \t\r\n"), []byte("{"))
		rs, err := registry.ParseHostRulesFile(b)
		checkRuleFileError(t, "host rules", err, object)
		for _, r := range rs {
			if verr := r.Validate(); verr != nil {
				t.Fatalf("parsed rules do not validate: %v", verr)
			}
		}
		terms, iss, err := registry.ParseAgreementFile(b)
		checkRuleFileError(t, "agreement", err, object)
		if err == nil {
			if verr := terms.Validate(); verr != nil || !terms.HasParty(iss) {
				t.Fatalf("parsed agreement does not validate: %v", verr)
			}
			if _, perr := terms.SigningPayload(); perr != nil {
				t.Fatalf("signing payload: %v", perr)
			}
		}
	})
}

func checkRuleFileError(t *testing.T, what string, err error, object bool) {
	t.Helper()
	if err == nil {
		return
	}
	if !errors.Is(err, registry.ErrInvalid) {
		t.Fatalf("%s error does not wrap ErrInvalid: %v", what, err)
	}
	if !object {
		return
	}
	ps := registry.Problems(err)
	if len(ps) == 0 {
		t.Fatalf("%s error of a JSON object names no field: %v", what, err)
	}
	for _, p := range ps {
		if p.Field == "" {
			t.Fatalf("%s error with an empty field: %v", what, err)
		}
	}
}
