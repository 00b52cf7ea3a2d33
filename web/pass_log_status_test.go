package web_test

import (
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// passOf fetches the pass of certificate id from the site at base.
func passOf(t *testing.T, base, id string) string {
	t.Helper()
	resp, err := http.Get(base + "/v1/certificates/" + id + "/pass")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("pass of %s: %d %s", id, resp.StatusCode, b)
	}
	return strings.TrimSpace(string(b))
}

var (
	resultSection = regexp.MustCompile(`(?s)<section.*?</section>`)
	anyTag        = regexp.MustCompile(`<[^>]*>`)
)

// verifyResult is the result section of /verify for text on base, in
// lang: its badge class and its words.
func verifyResult(t *testing.T, base, lang, text string) (badge, words string) {
	t.Helper()
	res := resultSection.FindString(fedGet(t, base+"/verify?lang="+lang+"&pass="+url.QueryEscape(text)))
	badge = regexp.MustCompile(`badge big (\w+)`).FindStringSubmatch(res + "badge big none")[1]
	return badge, html.UnescapeString(strings.Join(strings.Fields(anyTag.ReplaceAllString(res, " ")), " "))
}

// TestPassOfInactiveCertificateWhenListUnreachable: Alberta's pass of
// ACSA-20250417 is printed, then the certificate changes in Alberta's
// log; British Columbia syncs that log (its verified replica says the
// new status), then Alberta's node cannot be reached, and BC never
// fetched Alberta's status list. Where the log says the certificate is
// not active, the pass does not hold, red, in the log's words; only where
// the log says active is it amber "nothing can be said about its status".
func TestPassOfInactiveCertificateWhenListUnreachable(t *testing.T) {
	for _, tc := range []struct {
		name, action string
		badge        string
		want         []string // in English, then French
	}{
		{"revoked", registry.ActionRevoke, "bad", []string{"The certificate is revoked in its registry's log as this node holds it", "Le certificat est révoqué au journal de son registre, tel que ce nœud le détient"}},
		{"suspended", registry.ActionSuspend, "bad", []string{"The certificate is suspended in its registry's log", "Le certificat est suspendu au journal de son registre"}},
		{"cancelled", registry.ActionCancel, "bad", []string{"The certificate is cancelled in its registry's log as this node holds it", "Le certificat est annulé au journal de son registre, tel que ce nœud le détient"}},
		{"active", "", "warn", []string{"nothing can be said about its status", "on ne peut donc rien dire de son statut"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := fedSites(t, "CA-AB", "CA-BC")
			ab, bc := c["CA-AB"], c["CA-BC"]
			text := passOf(t, ab.url, "ACSA-20250417")
			if tc.action != "" {
				if _, err := ab.n.ChangeStatus(t.Context(), nodetest.Admin(), "ACSA-20250417", node.StatusRequest{Action: tc.action, Reason: "fraud"}); err != nil {
					t.Fatal(err)
				}
			}
			for _, st := range bc.fed.SyncAll(t.Context()) {
				if st.LastError != "" {
					t.Fatal(st.LastError)
				}
			}
			ab.srv.Close()
			for i, lang := range []string{"en", "fr"} {
				badge, words := verifyResult(t, bc.url, lang, text)
				if badge != tc.badge || !strings.Contains(words, tc.want[i]) {
					t.Errorf("%s: BC's /verify with Alberta unreachable: badge %s, %.400s; want %s, %q", lang, badge, words, tc.badge, tc.want[i])
				}
			}
		})
	}
}

// TestPassOfCorrectedCertificate: Alberta corrects the industry scope of
// ACSA-20250417 after its pass was printed (the pass rests on an older
// version). While the certificate is active the gate is told to ask its
// holder for a new pass (amber); once it is revoked, or suspended, no new
// pass can be had: the old one does not hold, red, in the log's words.
func TestPassOfCorrectedCertificate(t *testing.T) {
	for _, tc := range []struct {
		name, action string
		badge        string
		want         []string
	}{
		{"active", "", "warn", []string{"ask its holder for a new pass", "demandez-en un nouveau à son titulaire"}},
		{"revoked", registry.ActionRevoke, "bad", []string{"The certificate is revoked", "Le certificat est révoqué"}},
		{"suspended", registry.ActionSuspend, "bad", []string{"The certificate is suspended", "Le certificat est suspendu"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ab := fedSites(t, "CA-AB")["CA-AB"]
			text := passOf(t, ab.url, "ACSA-20250417")
			ctx, adm := t.Context(), nodetest.Admin()
			if _, err := ab.n.UpdateCertificate(ctx, adm, "ACSA-20250417", node.CertificateUpdate{Sector: "construction", IndustryScope: []string{"238120", "238190"}, WCBAccounts: []string{"4512876"}}); err != nil {
				t.Fatal(err)
			}
			if tc.action != "" {
				if _, err := ab.n.ChangeStatus(ctx, adm, "ACSA-20250417", node.StatusRequest{Action: tc.action, Reason: "fraud"}); err != nil {
					t.Fatal(err)
				}
			}
			for i, lang := range []string{"en", "fr"} {
				badge, words := verifyResult(t, ab.url, lang, text)
				if badge != tc.badge || !strings.Contains(words, tc.want[i]) {
					t.Errorf("%s: pass of the corrected certificate on its own node: badge %s, %.400s; want %s, %q", lang, badge, words, tc.badge, tc.want[i])
				}
			}
		})
	}
}

// TestPassStatusInTheLogsWords: a pass of a certificate its registry has
// revoked, cancelled or superseded, checked on the registry's own site
// (status list and log at hand): the verdict and the Status row say which,
// as the log does, not "no longer valid (cancelled, revoked, expired or
// superseded)"; for a superseded one the gate is told to ask the holder
// for the pass of its current certificate.
func TestPassStatusInTheLogsWords(t *testing.T) {
	for _, tc := range []struct {
		name string
		req  node.StatusRequest
		want []string // English, then French
	}{
		{"revoked", node.StatusRequest{Action: registry.ActionRevoke, Reason: "fraud"},
			[]string{"The certificate is revoked in its registry's log and status list. ", "Le certificat est révoqué au journal et dans la liste de statuts de son registre. "}},
		{"cancelled", node.StatusRequest{Action: registry.ActionCancel, Reason: "closed"},
			[]string{"The certificate is cancelled in its registry's log and status list. ", "Le certificat est annulé au journal et dans la liste de statuts de son registre. "}},
		{"superseded", node.StatusRequest{Action: registry.ActionSupersede, Reason: "renewed", SupersededBy: "ACSA-20261119"},
			[]string{"The certificate is superseded in its registry's log and status list. Its holder has a newer certificate: ask the holder for the pass of its current certificate.",
				"Le certificat est remplacé au journal et dans la liste de statuts de son registre. Son titulaire a un certificat plus récent : demandez-lui le laissez-passer de son certificat en vigueur."}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ab := fedSites(t, "CA-AB")["CA-AB"]
			text := passOf(t, ab.url, "ACSA-20250417")
			ctx, adm := t.Context(), nodetest.Admin()
			if tc.req.SupersededBy != "" {
				if _, err := ab.n.CreateCertificate(ctx, adm, node.NewCertificate{Issuer: "ACSA", Number: "20261119", Program: "COR", EmployerBN: "812345676",
					WCBAccounts: []string{"4512876"}, Sector: "construction", Basis: registry.BasisAudit,
					IssuedOn: registry.MustDate("2026-11-20"), TermMonths: 36}); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := ab.n.ChangeStatus(ctx, adm, "ACSA-20250417", tc.req); err != nil {
				t.Fatal(err)
			}
			for i, lang := range []string{"en", "fr"} {
				badge, words := verifyResult(t, ab.url, lang, text)
				row := []string{"Status " + tc.name, "Statut " + map[string]string{"revoked": "révoqué", "cancelled": "annulé", "superseded": "remplacé"}[tc.name]}[i]
				if badge != "bad" || !strings.Contains(words, tc.want[i]) || !strings.Contains(words, row) {
					t.Errorf("%s: badge %s, %.600s; want bad, %q and %q", lang, badge, words, tc.want[i], row)
				}
			}
		})
	}
}
