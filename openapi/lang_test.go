package openapi_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestRecognitionInFrench asks the same question in English and in French
// (by Accept-Language, then by ?lang=): the same codes and outcome, French
// sentences, Content-Language saying which, and a proof that verifies.
func TestRecognitionInFrench(t *testing.T) {
	f := newFixture(t)
	type answer struct {
		Question struct{ Lang string }
		Decision struct {
			Outcome string
			Reasons []struct{ Code, Text string }
		}
		Proof string
	}
	ask := func(query, acceptLanguage string) (answer, string) {
		t.Helper()
		req, err := http.NewRequest("GET", f.srv.URL+"/v1/recognition?bn="+bnPrairie+"&host=CA-BC&sector=construction&on=2026-11-25&use=work"+query, nil)
		if err != nil {
			t.Fatal(err)
		}
		if acceptLanguage != "" {
			req.Header.Set("Accept-Language", acceptLanguage)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var a answer
		if err := json.NewDecoder(resp.Body).Decode(&a); err != nil || resp.StatusCode != 200 {
			t.Fatalf("recognition: %d %v", resp.StatusCode, err)
		}
		return a, resp.Header.Get("Content-Language")
	}
	en, enLang := ask("", "")
	for _, tc := range []struct{ name, query, accept string }{
		{"Accept-Language", "", "fr-CA,fr;q=0.9,en;q=0.5"},
		{"lang parameter", "&lang=fr", "en"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fr, frLang := ask(tc.query, tc.accept)
			if enLang != "en" || frLang != "fr" || fr.Question.Lang != "fr" {
				t.Errorf("Content-Language: got %q and %q (question lang %q), want en and fr", enLang, frLang, fr.Question.Lang)
			}
			if fr.Decision.Outcome != en.Decision.Outcome || len(fr.Decision.Reasons) != len(en.Decision.Reasons) {
				t.Fatalf("got %+v, want the decision of %+v", fr.Decision, en.Decision)
			}
			for i, r := range fr.Decision.Reasons {
				if r.Code != en.Decision.Reasons[i].Code || r.Text == en.Decision.Reasons[i].Text {
					t.Errorf("reason %d: got %s %q, want code %s in French", i, r.Code, r.Text, en.Decision.Reasons[i].Code)
				}
			}
			if !strings.Contains(fr.Decision.Reasons[0].Text, "n'est pas reconnu") {
				t.Errorf("first reason: got %q, want French", fr.Decision.Reasons[0].Text)
			}
			body, _ := json.Marshal(map[string]string{"proof": fr.Proof})
			status, _, b := f.do(t, "POST", "/v1/verify", "", string(body))
			if status != 200 || !strings.Contains(string(b), `"valid":true`) {
				t.Errorf("verify the French proof: %d %s", status, b)
			}
		})
	}
}
