package web_test

import (
	"io"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/openapi"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
	"github.com/corfed/corfed/web"
)

type fedNode struct {
	n   *nodetest.Node
	url string
	fed *federation.Federation
	srv *httptest.Server
}

// fedSites starts seeded nodes for js, each serving the API and the site,
// pinned in one federation file, and syncs them once.
func fedSites(t *testing.T, js ...registry.Jurisdiction) map[registry.Jurisdiction]*fedNode {
	t.Helper()
	return fedSitesWith(t, 0, js...)
}

// fedSitesWith is fedSites with each node syncing every interval (0: the
// default).
func fedSitesWith(t *testing.T, interval time.Duration, js ...registry.Jurisdiction) map[registry.Jurisdiction]*fedNode {
	t.Helper()
	out := map[registry.Jurisdiction]*fedNode{}
	lns := map[registry.Jurisdiction]net.Listener{}
	var ms []federation.Member
	for _, j := range js {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		n := nodetest.New(t, j, nodetest.Options{Seed: true, Rules: true})
		out[j] = &fedNode{n: n, url: "http://" + ln.Addr().String()}
		lns[j] = ln
		ms = append(ms, federation.Member{Jurisdiction: j, URL: out[j].url, Keys: n.PublicKeys()})
	}
	file, err := federation.MarshalTrust("test", ms)
	if err != nil {
		t.Fatal(err)
	}
	trust, err := federation.ParseTrust(file)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	for _, j := range js {
		m := out[j]
		fed, err := federation.New(federation.Config{Node: m.n.Node, Trust: trust, Interval: interval})
		if err != nil {
			t.Fatal(err)
		}
		m.fed = fed
		l := federation.NewLookups(fed)
		ps := federation.NewPasses(l, federation.PassConfig{BaseURL: m.url})
		api := openapi.New(openapi.Config{Node: m.n.Node, Logger: log,
			Extra: []func(huma.API, *openapi.Helpers){openapi.PeerOps(fed), openapi.LookupOps(l), openapi.PassOps(ps)}})
		m.srv = &httptest.Server{Listener: lns[j], Config: &http.Server{Handler: web.New(web.Config{Node: m.n.Node, Lookups: l, Passes: ps, Logger: log}).Handler(api)}}
		m.srv.Start()
		t.Cleanup(m.srv.Close)
	}
	for _, j := range js {
		for _, st := range out[j].fed.SyncAll(t.Context()) {
			if st.LastError != "" {
				t.Fatalf("%s sync %s: %s", j, st.Jurisdiction, st.LastError)
			}
		}
	}
	return out
}

func fedGet(t *testing.T, u string) string {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

var statusLine = regexp.MustCompile(`<p class="status-line">.*?</p>`)

// TestPeerCertificateStatusInItsZone: an Ontario certificate seen from
// British Columbia's site at 05:30 UTC the day after it expired: 01:30 in
// Toronto, where it has expired (and so has its pass), 22:30 the day
// before in Vancouver. BC's page said it was active.
func TestPeerCertificateStatusInItsZone(t *testing.T) {
	defer func(old time.Time) { nodetest.Now = old }(nodetest.Now)
	nodetest.Now = time.Date(2028, 6, 12, 12, 0, 0, 0, time.UTC)
	c := fedSites(t, "CA-ON", "CA-BC")
	nodetest.Now = time.Date(2028, 6, 13, 5, 30, 0, 0, time.UTC)
	if line := statusLine.FindString(fedGet(t, c["CA-BC"].url+"/certificates/IHSA-000266")); !strings.Contains(line, `(<time datetime="2028-06-13">June 13, 2028</time>)`) || !strings.Contains(line, "expired") {
		t.Errorf("BC's page of Ontario's certificate: %s; want expired on 2028-06-13, Ontario's date", line)
	}
}

// TestCertificateLinksNameTheJurisdiction: BC's ACSA numbered a
// certificate 20250417 too, for another employer, and revoked it. On
// Alberta's site each search row links to its own jurisdiction's record;
// the links carried only the id, and BC's revoked row opened Alberta's
// active certificate.
func TestCertificateLinksNameTheJurisdiction(t *testing.T) {
	c := fedSites(t, "CA-AB", "CA-BC")
	ab, bc := c["CA-AB"], c["CA-BC"]
	ctx, adm := t.Context(), nodetest.Admin()
	if _, err := bc.n.PutCP(ctx, adm, registry.CertifyingPartner{ID: "ACSA", Name: "BC ACSA", Status: registry.CPActive}, false); err != nil {
		t.Fatal(err)
	}
	if _, err := bc.n.PutEmployer(ctx, adm, registry.Employer{BN: "833445562", LegalName: "Granite Peak Builders Inc."}, false); err != nil {
		t.Fatal(err)
	}
	if _, err := bc.n.CreateCertificate(ctx, adm, node.NewCertificate{Issuer: "ACSA", Number: "20250417", Program: registry.ProgramCOR,
		EmployerBN: "833445562", IssuedOn: registry.MustDate("2026-01-05"), TermMonths: 36}); err != nil {
		t.Fatal(err)
	}
	if _, err := bc.n.ChangeStatus(ctx, adm, "ACSA-20250417", node.StatusRequest{Action: registry.ActionRevoke, Reason: "fraud"}); err != nil {
		t.Fatal(err)
	}
	for _, st := range ab.fed.SyncAll(ctx) {
		if st.LastError != "" {
			t.Fatal(st.LastError)
		}
	}
	home := fedGet(t, ab.url+"/?q=833445562")
	if !strings.Contains(home, `href="/certificates/ACSA-20250417?iss=CA-BC"`) {
		t.Fatalf("the search row of BC's certificate does not link to it: %s", excerpt(home))
	}
	for iss, want := range map[string]string{"CA-BC": "revoked", "CA-AB": "active"} {
		page := fedGet(t, ab.url+"/certificates/ACSA-20250417?iss="+iss)
		if line := statusLine.FindString(page); !strings.Contains(line, want) {
			t.Errorf("%s's ACSA-20250417 on AB's site: %s; want %s", iss, line, want)
		}
	}
	if page := fedGet(t, ab.url+"/certificates/ACSA-20250417?iss=XX"); !strings.Contains(page, "Not found") {
		t.Errorf("an unknown iss: %s", excerpt(page))
	}
}

// TestVerifyVerdicts: the verify page says "does not hold" only of a pass
// it judged. A pass read with a stale status list (its registry down) is
// "status not confirmed", not a green "holds"; an empty form, "could not
// be checked", not "does not hold"; a text file that starts with a byte
// order mark is read.
func TestVerifyVerdicts(t *testing.T) {
	defer func(old time.Time) { nodetest.Now = old }(nodetest.Now)
	c := fedSites(t, "CA-AB", "CA-BC")
	ab, bc := c["CA-AB"], c["CA-BC"]
	text := fedGet(t, ab.url+"/v1/certificates/ACSA-20250417/pass")
	verdict := func(body string) string {
		m := regexp.MustCompile(`(?s)<h2 id="result">(.*?)</h2>`).FindStringSubmatch(body)
		if m == nil {
			return ""
		}
		return m[1]
	}
	post := func(u string, form map[string]string, file []byte) string {
		var buf strings.Builder
		mw := multipart.NewWriter(&buf)
		for k, v := range form {
			_ = mw.WriteField(k, v)
		}
		if file != nil {
			fw, _ := mw.CreateFormFile("file", "pass.txt")
			_, _ = fw.Write(file)
		}
		_ = mw.Close()
		resp, err := http.Post(u, mw.FormDataContentType(), strings.NewReader(buf.String()))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	if v := verdict(post(bc.url+"/verify", map[string]string{"pass": text}, nil)); !strings.Contains(v, "The pass holds") {
		t.Fatalf("BC, AB up: %s", v)
	}
	if v := verdict(post(bc.url+"/verify?lang=en", nil, append([]byte("\ufeff"), text+"\r\n"...))); !strings.Contains(v, "The pass holds") {
		t.Errorf("a text file with a BOM: %s", v)
	}
	if v := verdict(post(bc.url+"/verify", map[string]string{"pass": ""}, nil)); !strings.Contains(v, "could not be checked") {
		t.Errorf("an empty form: %s", v)
	}
	ab.srv.Close()
	nodetest.Now = nodetest.Now.Add(2 * time.Hour) // past the list's ttl, before its exp
	for lang, want := range map[string]string{"en": "Signature valid, status not confirmed", "fr": "Signature valide, statut non confirmé"} {
		if v := verdict(post(bc.url+"/verify?lang="+lang, map[string]string{"pass": text}, nil)); !strings.Contains(v, want) {
			t.Errorf("%s, AB down, the list stale: %s", lang, v)
		}
	}
}

// TestPeerCertificateFromAStaleCopy: Ontario suspends a certificate and
// then cannot be reached. Three days on, British Columbia's page of it
// still showed a green "active", with nothing saying how old its copy was.
// It now says the status is not confirmed, with the copy's sync time; a
// fresh copy says its source.
func TestPeerCertificateFromAStaleCopy(t *testing.T) {
	defer func(old time.Time) { nodetest.Now = old }(nodetest.Now)
	c := fedSites(t, "CA-ON", "CA-BC")
	on, bc := c["CA-ON"], c["CA-BC"]
	page := fedGet(t, bc.url+"/certificates/IHSA-000266?iss=CA-ON")
	if !strings.Contains(page, "through this node&#39;s copy of its registry, last synced") || strings.Contains(page, "Not confirmed") {
		t.Errorf("a fresh copy: %s", excerpt(page))
	}
	if _, err := on.n.ChangeStatus(t.Context(), nodetest.Admin(), "IHSA-000266", node.StatusRequest{Action: "suspend", Reason: "Employer Review opened after a fatality"}); err != nil {
		t.Fatal(err)
	}
	on.srv.Close()
	nodetest.Now = nodetest.Now.Add(72 * time.Hour)
	for lang, want := range map[string]string{"en": "Not confirmed: this node", "fr": "Non confirmé : la copie"} {
		page := fedGet(t, bc.url+"/certificates/IHSA-000266?iss=CA-ON&lang="+lang)
		if strings.Contains(page, `badge big ok"`) || !strings.Contains(page, want) {
			t.Errorf("%s, three days after Ontario went away: %s", lang, statusLine.FindString(page)+" "+excerpt(page))
		}
	}
}

// TestCheckFromAStaleCopy: a recognition answered from the copy of a
// member that has not been reached for a day says it is not confirmed
// and names that member, and its outcome is not shown green.
func TestCheckFromAStaleCopy(t *testing.T) {
	defer func(old time.Time) { nodetest.Now = old }(nodetest.Now)
	c := fedSites(t, "CA-AB", "CA-BC")
	ab, bc := c["CA-AB"], c["CA-BC"]
	q := "/check?bn=812345676&host=CA-BC&use=bid&sector=construction&on=2026-11-25"
	if page := fedGet(t, bc.url+q); strings.Contains(page, "Not confirmed") {
		t.Fatalf("fresh: %s", excerpt(page))
	}
	ab.srv.Close()
	nodetest.Now = nodetest.Now.Add(24 * time.Hour)
	page := fedGet(t, bc.url+q)
	if !strings.Contains(page, "Not confirmed: this answer reads copies") || !strings.Contains(page, "Alberta: last synced") || strings.Contains(page, `<p class="outcome"><span class="badge big ok"`) {
		t.Errorf("a day after Alberta went away: %s", excerpt(page))
	}
}

// TestSearchRowOnItsOwnDate: British Columbia's search row of an Ontario
// certificate that expired yesterday in Toronto said "active" (BC's date)
// while its page, one click away, said "expired".
func TestSearchRowOnItsOwnDate(t *testing.T) {
	defer func(old time.Time) { nodetest.Now = old }(nodetest.Now)
	nodetest.Now = time.Date(2028, 6, 12, 12, 0, 0, 0, time.UTC)
	c := fedSites(t, "CA-ON", "CA-BC")
	nodetest.Now = time.Date(2028, 6, 13, 5, 30, 0, 0, time.UTC)
	home := fedGet(t, c["CA-BC"].url+"/?q=877889907")
	row := regexp.MustCompile(`(?s)<tr>\s*<td[^>]*><a href="/certificates/IHSA-000266\?iss=CA-ON">.*?</tr>`).FindString(home)
	if row == "" || !strings.Contains(row, "expired") {
		t.Errorf("the search row: %q", row)
	}
}

// TestVerifyBehindAStaleCopy: a member's pass whose entry this node has
// not replicated, while that member cannot be reached, is not "try again
// in a minute": the page says to check it on the member's own site.
func TestVerifyBehindAStaleCopy(t *testing.T) {
	defer func(old time.Time) { nodetest.Now = old }(nodetest.Now)
	c := fedSites(t, "CA-AB", "CA-BC")
	ab, bc := c["CA-AB"], c["CA-BC"]
	if _, err := ab.n.CreateCertificate(t.Context(), nodetest.Admin(), node.NewCertificate{Issuer: "ACSA", Number: "20261203", Program: registry.ProgramCOR,
		EmployerBN: "812345676", IssuedOn: registry.MustDate("2026-11-20"), TermMonths: 36}); err != nil {
		t.Fatal(err)
	}
	text := fedGet(t, ab.url+"/v1/certificates/ACSA-20261203/pass")
	nodetest.Now = nodetest.Now.Add(time.Hour)
	ab.srv.Close()
	resp, err := http.PostForm(bc.url+"/verify?lang=en", map[string][]string{"pass": {text}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(b), "check it on its registry&#39;s own site") {
		t.Errorf("%s", excerpt(string(b)))
	}
}
