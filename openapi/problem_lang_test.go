package openapi_test

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/corfed/corfed/openapi"
)

// problemOf is a problem as a client reads it.
type problemOf struct {
	Title, Detail string
	Status        int
	Errors        []struct {
		Location, Message string
		Value             any
	}
}

// ask sends one request with Accept-Language lang ("" for none) and
// the extra headers hdr (name, value, ...).
func (f *fixture) ask(t *testing.T, method, path, token, ctype, body, lang string, hdr ...string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+f.tok[token])
	}
	if lang != "" {
		req.Header.Set("Accept-Language", lang)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

// sameProblemInFrench asks a request in English and in French (fr-CA)
// and checks the French problem is the English one with its title,
// detail and every message in French: same status, locations and
// values; Content-Language fr and en; Vary: Accept-Language.
func (f *fixture) sameProblemInFrench(t *testing.T, method, path, token, ctype, body string, hdr ...string) (en, fr problemOf) {
	t.Helper()
	for _, c := range []struct {
		lang, want string
		p          *problemOf
	}{{"", "en", &en}, {"fr-CA", "fr", &fr}} {
		status, h, b := f.ask(t, method, path, token, ctype, body, c.lang, hdr...)
		if err := json.Unmarshal(b, c.p); err != nil || status < 400 {
			t.Fatalf("%s %s (%q): %d %s", method, path, c.lang, status, b)
		}
		if got := h.Get("Content-Language"); got != c.want {
			t.Errorf("%s %s (%q): Content-Language %q, want %q", method, path, c.lang, got, c.want)
		}
		if !slices.ContainsFunc(h.Values("Vary"), func(v string) bool { return strings.Contains(v, "Accept-Language") }) {
			t.Errorf("%s %s (%q): Vary %q lacks Accept-Language", method, path, c.lang, h.Values("Vary"))
		}
		if ct := h.Get("Content-Type"); ct != "application/problem+json" {
			t.Errorf("%s %s (%q): Content-Type %q", method, path, c.lang, ct)
		}
	}
	if en.Status != fr.Status || len(en.Errors) != len(fr.Errors) {
		t.Fatalf("%s %s: English %+v, French %+v", method, path, en, fr)
	}
	if fr.Title == en.Title || fr.Detail == en.Detail || fr.Title == "" || fr.Detail == "" {
		t.Errorf("%s %s: title %q / %q, detail %q / %q: not in French", method, path, en.Title, fr.Title, en.Detail, fr.Detail)
	}
	for i := range en.Errors {
		e, g := en.Errors[i], fr.Errors[i]
		if e.Location != g.Location {
			t.Errorf("%s %s: errors[%d] at %q in English, %q in French", method, path, i, e.Location, g.Location)
		}
		if gv, ev := jsonOf(g.Value), jsonOf(e.Value); gv != ev {
			t.Errorf("%s %s: errors[%d] value %s in English, %s in French", method, path, i, ev, gv)
		}
		if g.Message == e.Message || g.Message == "" {
			t.Errorf("%s %s: errors[%d] (%s) not in French: %q", method, path, i, e.Location, g.Message)
		}
	}
	return en, fr
}

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestProblemsInFrench: a request that prefers French (Accept-Language)
// gets every problem in French, whatever writes it: the record rules
// (registry.Invalid), the schema (huma's messages), the edge (401, 403,
// 404, 412, 413, 415), an import's rows.
func TestProblemsInFrench(t *testing.T) {
	f := newFixture(t)
	const js = "application/json"
	certBody := `{"issuer":"ACSA","number":"bad number!","program":"COR","employer_bn":"123456789","issued_on":"2026-01-10",` +
		`"status":"weird","basis":"iso_equivalency","wcb_accounts":["!"],"industry_scope":["not a code!"]}`
	tag := f.etagOf(t, "/v1/certificates/ACSA-20250417")
	for _, c := range []struct {
		name, method, path, token, ctype, body string
		hdr                                    []string
		status                                 int
		says                                   []string // French words the problem must hold (title, detail, messages)
	}{
		{"several invalid fields, schema and rules", "POST", "/v1/certificates", "admin", js, certBody, nil, 422,
			[]string{"Données invalides", "chiffre de contrôle de Luhn", "valeur attendue parmi"}},
		{"huma: unexpected, missing, enum and bound", "POST", "/v1/employers", "admin", js,
			`{"bn":"123456782","size_band":"huge","employee_count":-3,"colour":"red"}`, nil, 422,
			[]string{"propriété inattendue", "propriété obligatoire legal_name attendue", "nombre attendu >= 0"}},
		{"a date the schema refuses", "GET", "/v1/recognition?bn=" + bnPrairie + "&host=CA-BC&on=2026-13-45", "", "", "", nil, 422,
			[]string{"chaîne attendue au format date RFC 3339"}},
		{"text that is not text", "POST", "/v1/employers", "admin", js, `{"bn":"123456782","legal_name":"A\udc00"}`, nil, 422,
			[]string{"un demi-codet UTF-16 isolé (\\udc00)"}},
		{"an unknown sector names its list, not the README", "GET", "/v1/recognition?bn=" + bnPrairie + "&host=CA-BC&sector=underwater", "", "", "", nil, 422,
			[]string{"secteur inconnu", "un secteur du SCIAN Canada 2022"}},
		{"a bad cursor", "GET", "/v1/certificates?cursor=nonsense", "", "", "", nil, 422, []string{"curseur"}},
		{"401 without a token", "POST", "/v1/employers", "", js, `{}`, nil, 401, []string{"Non authentifié", "jeton porteur"}},
		{"401 with a token of another key", "POST", "/v1/employers", "foreign", js, `{}`, nil, 401, []string{"Non authentifié"}},
		{"403 for a read-only token", "POST", "/v1/employers", "readonly", js, `{"bn":"` + newBN + `","legal_name":"Acme"}`, nil, 403, []string{"Interdit"}},
		{"404 for no such path", "GET", "/v1/nowhere", "", "", "", nil, 404, []string{"Introuvable", "chemin"}},
		{"405 for a method the path does not take", "DELETE", "/v1/certificates", "admin", "", "", nil, 405, []string{"Méthode non permise"}},
		{"404 for no such record", "GET", "/v1/certificates/ACSA-99999999", "", "", "", nil, 404, []string{"Introuvable"}},
		{"409 for a status change the status forbids", "PATCH", "/v1/certificates/ACSA-20250417", "admin", js,
			`{"action":"reinstate","reason":"nothing to lift"}`, nil, 409, []string{"Conflit", "impossible de réactiver le certificat : il est actif"}},
		{"412 for a stale If-Match", "PUT", "/v1/certificates/ACSA-20250417", "admin", js,
			`{"industry_scope":["236220"],"sector":"construction"}`, []string{"If-Match", `"not-the-tag"`}, 412,
			[]string{"Précondition non remplie", "l'enregistrement a changé", "refaites un GET"}},
		{"412 for a GET whose If-Match is stale", "GET", "/v1/certificates/ACSA-20250417", "", "", "", []string{"If-Match", `"x"` + tag}, 412,
			[]string{"la réponse a changé"}},
		{"413 for a body over the limit", "POST", "/v1/employers", "admin", js, `{"legal_name":"` + strings.Repeat("x", openapi.MaxBodyBytes) + `"}`, nil, 413,
			[]string{"trop volumineux"}},
		{"415 for another media type", "POST", "/v1/employers", "admin", "text/plain", `{}`, nil, 415, []string{"type de média", "type de contenu inconnu : text/plain"}},
		{"400 for malformed JSON", "POST", "/v1/employers", "admin", js, `{"bn":`, nil, 400, []string{"Requête incorrecte"}},
		{"an unknown query parameter", "GET", "/v1/certificates?colour=red", "", "", "", nil, 422, []string{"paramètre de requête inconnu"}},
		{"400 for a malformed query", "GET", "/v1/certificates?x=%zz", "", "", "", nil, 400, []string{"Requête incorrecte", "encodage-pourcent"}},
		{"an import's rows", "POST", "/v1/imports?format=csv&dry_run=true", "acsa", "text/csv",
			"employer_bn,legal_name,cp,number,program,issued_on\n123456789,Acme,ACSA,N-1,COR,2026-02-30\n", nil, 422,
			[]string{"Fichier d'importation invalide", "problèmes dans", "chiffre de contrôle"}},
		{"an import's header", "POST", "/v1/imports?format=csv&dry_run=true", "acsa", "text/csv",
			"legal_name,legal_name\nAcme,Acme\n", nil, 422, []string{"colonne obligatoire manquante", "figure deux fois"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			en, fr := f.sameProblemInFrench(t, c.method, c.path, c.token, c.ctype, c.body, c.hdr...)
			if en.Status != c.status {
				t.Fatalf("status %d, want %d: %+v", en.Status, c.status, en)
			}
			all := fr.Title + "\n" + fr.Detail
			for _, e := range fr.Errors {
				all += "\n" + e.Message
			}
			for _, w := range c.says {
				if !strings.Contains(all, w) {
					t.Errorf("the French problem does not say %q:\n%s", w, all)
				}
			}
		})
	}
}

// TestProblemLanguageChoice: French when Accept-Language prefers it (by
// q-value, any region), English otherwise and by default; an English
// answer is the same bytes with or without the header.
func TestProblemLanguageChoice(t *testing.T) {
	f := newFixture(t)
	const body = `{"bn":"123456789","legal_name":"Acme","size_band":"huge"}`
	_, _, plain := f.ask(t, "POST", "/v1/employers", "admin", "application/json", body, "")
	for _, c := range []struct{ header, want string }{
		{"", "en"},
		{"fr", "fr"},
		{"fr-CA", "fr"},
		{"fr-FR,fr;q=0.9", "fr"},
		{"fr;q=0.9, en;q=0.8", "fr"},
		{"en;q=0.8, fr;q=0.9", "fr"},
		{"en-CA, fr-CA;q=0.5", "en"},
		{"en", "en"},
		{"de", "en"},
		{"de, fr;q=0.5", "fr"},
		{"*", "en"},
		{"not a language header ;;;", "en"},
	} {
		status, h, b := f.ask(t, "POST", "/v1/employers", "admin", "application/json", body, c.header)
		if status != 422 || h.Get("Content-Language") != c.want {
			t.Errorf("Accept-Language %q: %d, Content-Language %q, want %q", c.header, status, h.Get("Content-Language"), c.want)
		}
		if c.want == "en" && string(b) != string(plain) {
			t.Errorf("Accept-Language %q: English answer differs from the one without the header:\n%s\n%s", c.header, b, plain)
		}
	}
}
