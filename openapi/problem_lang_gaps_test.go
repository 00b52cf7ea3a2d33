package openapi_test

import (
	"encoding/json"
	"testing"
)

// TestProblemsOfPassedErrorsInFrench: the problems whose message is an
// error's own text (a metrics query's dimensions, a proof hash of odd
// length, a webhook URL to a private address, an import file the
// spreadsheet reader cannot read) are in French for a request that
// prefers French, and as before in English otherwise.
func TestProblemsOfPassedErrorsInFrench(t *testing.T) {
	f := newFixture(t)
	const js = "application/json"
	const csv = "text/csv"
	const hook = `; webhooks go to public addresses unless the operator allows it (--webhook-allow-private, --webhook-allow CIDR)`
	const hookFR = `; les webhooks vont à des adresses publiques, sauf si l'exploitant le permet (--webhook-allow-private, --webhook-allow CIDR)`
	for _, c := range []struct {
		name, method, path, token, ctype, body string
		loc, en, fr                            string
	}{
		{"a metrics query's dimensions", "GET", "/v1/metrics/ohs?group_by=colour,year,year", "", "", "", "query.group_by",
			`unknown dimension "colour" (one of year, industry, size_band, program, cp); dimension "year" given twice`,
			`dimension "colour" inconnue (l'une de year, industry, size_band, program, cp); dimension "year" donnée deux fois`},
		{"a proof hash of odd length", "GET", "/v1/proofs/0123456789abcdef0123456789abcdef0", "", "", "", "path.hash",
			"encoding/hex: odd length hex string",
			"chaîne hexadécimale de longueur impaire (encoding/hex)"},
		{"a webhook to a private address", "POST", "/v1/subscriptions", "admin", js,
			`{"url":"http://10.1.2.3/hook","watch":[{"bn":"812345676"}]}`, "body.url",
			"10.1.2.3 is a private address (RFC 1918)" + hook,
			"10.1.2.3 est une adresse privée (RFC 1918)" + hookFR},
		{"a webhook to a NAT64 address embedding a private one", "POST", "/v1/subscriptions", "admin", js,
			`{"url":"http://[64:ff9b::a01:203]/hook","watch":[{"bn":"812345676"}]}`, "body.url",
			"64:ff9b::a01:203 embeds 10.1.2.3: 10.1.2.3 is a private address (RFC 1918)" + hook,
			"64:ff9b::a01:203 intègre 10.1.2.3 : 10.1.2.3 est une adresse privée (RFC 1918)" + hookFR},
		{"a webhook to a loopback address", "POST", "/v1/subscriptions", "admin", js,
			`{"url":"http://127.0.0.1/hook","watch":[{"bn":"812345676"}]}`, "body.url",
			"127.0.0.1 is a loopback address" + hook,
			"127.0.0.1 est une adresse de bouclage" + hookFR},
		{"a CSV quote in an unquoted cell", "POST", "/v1/imports?format=csv&dry_run=true", "acsa", csv,
			"employer_bn,legal_name\n123456789,Ac\"me\n", "rows[1]",
			`parse error on line 2, column 13: bare " in non-quoted-field: malformed spreadsheet`,
			`erreur d'analyse à la ligne 2, colonne 13 : guillemet " dans un champ sans guillemets : feuille de calcul mal formée`},
		{"a CSV quoted cell never closed", "POST", "/v1/imports?format=csv&dry_run=true", "acsa", csv,
			"employer_bn,legal_name\n123456789,\"Acme\n", "rows[1]",
			`parse error on line 2, column 17: extraneous or missing " in quoted-field: malformed spreadsheet`,
			`erreur d'analyse à la ligne 2, colonne 17 : guillemet " superflu ou manquant dans un champ entre guillemets : feuille de calcul mal formée`},
		{"a CSV file with no header row", "POST", "/v1/imports?format=csv&dry_run=true", "acsa", csv, "\n\n", "body",
			"no header row: malformed spreadsheet",
			"aucune ligne d'en-tête : feuille de calcul mal formée"},
		{"an XLSX file that is not a workbook", "POST", "/v1/imports?format=xlsx&dry_run=true", "acsa", "application/octet-stream", "not a zip", "body",
			"zip: not a valid zip file: malformed spreadsheet",
			"zip : pas un fichier zip valide : feuille de calcul mal formée"},
	} {
		t.Run(c.name, func(t *testing.T) {
			en, fr := f.sameProblemInFrench(t, c.method, c.path, c.token, c.ctype, c.body)
			if len(en.Errors) != 1 || en.Errors[0].Location != c.loc {
				t.Fatalf("English problem %+v, want one error at %s", en, c.loc)
			}
			if got := en.Errors[0].Message; got != c.en {
				t.Errorf("English message\n%q, want\n%q", got, c.en)
			}
			if got := fr.Errors[0].Message; got != c.fr {
				t.Errorf("French message\n%q, want\n%q", got, c.fr)
			}
		})
	}
}

// TestImportReportInFrench: the report member of an import problem says
// its problems in the answer's language, as errors[] does.
func TestImportReportInFrench(t *testing.T) {
	f := newFixture(t)
	const body = "employer_bn,legal_name,cp,number,program,issued_on\n123456789,Acme,ACSA,N-1,COR,2026-02-30\n"
	for _, c := range []struct {
		lang string
		want []string
	}{
		{"", []string{"Business Number 123456789 fails its Luhn check digit",
			`a date is YYYY-MM-DD: date "2026-02-30": want a real calendar date as YYYY-MM-DD`}},
		{"fr-CA", []string{"le numéro d'entreprise 123456789 échoue à son chiffre de contrôle de Luhn",
			`une date est au format AAAA-MM-JJ : date "2026-02-30" : une vraie date du calendrier au format AAAA-MM-JJ est attendue`}},
	} {
		status, _, b := f.ask(t, "POST", "/v1/imports?format=csv&dry_run=true", "acsa", "text/csv", body, c.lang)
		var p struct {
			Errors []struct{ Message string }
			Report struct {
				Problems []struct {
					Row     int
					Column  string
					Message string
				}
			}
		}
		if err := json.Unmarshal(b, &p); err != nil || status != 422 {
			t.Fatalf("%q: %d %s", c.lang, status, b)
		}
		if len(p.Report.Problems) != len(c.want) || len(p.Errors) != len(c.want) {
			t.Fatalf("%q: %s", c.lang, b)
		}
		for i, w := range c.want {
			if got := p.Report.Problems[i].Message; got != w {
				t.Errorf("%q: report.problems[%d].message %q, want %q", c.lang, i, got, w)
			}
			if got := p.Errors[i].Message; got != w {
				t.Errorf("%q: errors[%d].message %q, want %q", c.lang, i, got, w)
			}
		}
	}
}
