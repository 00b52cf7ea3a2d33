package web_test

import (
	"bytes"
	"io"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/openapi"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
	"github.com/corfed/corfed/registry/pass"
	"github.com/corfed/corfed/web"
)

// site is one Alberta node serving the API and the pages on loopback, as
// corfed serve wires them, with passes that name its real URL.
type site struct {
	n   *nodetest.Node
	url string
	ps  *federation.Passes
}

func newSite(t testing.TB) *site {
	t.Helper()
	return newSiteWith(t, nodetest.Options{Seed: true, Rules: true})
}

// newSiteWith is newSite over a node made with opts.
func newSiteWith(t testing.TB, opts nodetest.Options) *site {
	t.Helper()
	return newSitePublic(t, opts, "")
}

// newSitePublic is newSiteWith whose passes name a public URL with path
// appended to the site's address (a node behind a proxy at a path).
func newSitePublic(t testing.TB, opts nodetest.Options, path string) *site {
	t.Helper()
	n := nodetest.New(t, "CA-AB", opts)
	fed, err := federation.New(federation.Config{Node: n.Node})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	l := federation.NewLookups(fed)
	ps := federation.NewPasses(l, federation.PassConfig{BaseURL: base + path})
	log := slog.New(slog.DiscardHandler)
	api := openapi.New(openapi.Config{Node: n.Node, Logger: log,
		Extra: []func(huma.API, *openapi.Helpers){openapi.PeerOps(fed), openapi.LookupOps(l), openapi.PassOps(ps)}})
	srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: web.New(web.Config{Node: n.Node, Lookups: l, Passes: ps, Logger: log}).Handler(api)}}
	srv.Start()
	t.Cleanup(srv.Close)
	return &site{n: n, url: base, ps: ps}
}

func (s *site) get(t testing.TB, path string, header ...string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", s.url+path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestPagesBothLanguages(t *testing.T) {
	s := newSite(t)
	for _, tc := range []struct {
		name, path, accept string
		status             int
		lang               string
		want               []string
	}{
		{"home en", "/", "", 200, "en", []string{`<html lang="en">`, "Find a certificate", `hreflang="fr"`}},
		{"home by Accept-Language", "/", "fr-CA,fr;q=0.9", 200, "fr", []string{`<html lang="fr">`, "Trouver un certificat", `hreflang="en"`}},
		{"search by BN", "/?q=812345676&lang=fr", "", 200, "fr", []string{"ACSA-20250417", "actif", "ce nœud : en direct"}},
		{"search by name", "/?q=prairie", "", 200, "en", []string{"ACSA-20250417", "active"}},
		{"search by number", "/?q=20250417&by=number", "", 200, "en", []string{"ACSA-20250417"}},
		{"search with nothing found", "/?q=zzzz-nothing", "", 200, "en", []string{"No certificate found."}},
		{"certificate", "/certificates/ACSA-20250417", "", 200, "en", []string{"Verified now", "entry ", "Prairie Steel", "Status history"}},
		{"certificate fr", "/certificates/ACSA-20250417?lang=fr", "", 200, "fr", []string{"Vérifié à l&#39;instant", "Historique des statuts"}},
		{"employer", "/employers/812345676?lang=fr", "", 200, "fr", []string{"Certificats", "ACSA-20250417"}},
		{"check", "/check?bn=812345676&host=CA-AB&use=work&on=2026-11-25", "", 200, "en", []string{"Recognized", "was issued in Alberta itself"}},
		{"check fr", "/check?bn=812345676&host=CA-BC&use=work&on=2026-11-25&lang=fr", "", 200, "fr", []string{"Non reconnu", "n&#39;est pas reconnu"}},
		{"check bad BN", "/check?bn=123456789&host=CA-AB", "", 422, "en", []string{`aria-invalid="true"`, "Luhn"}},
		{"check bad date", "/check?bn=812345676&host=CA-AB&on=2026-02-30", "", 422, "en", []string{`id="e-on"`}},
		{"letter", "/letters/ACSA-20250417?lang=fr", "", 200, "fr", []string{"Lettre de vérification", "<svg", pass.Prefix}},
		{"verify form", "/verify", "", 200, "en", []string{`enctype="multipart/form-data"`, "/assets/scan.js"}},
		{"unknown certificate", "/certificates/NOPE-1", "", 404, "en", []string{"Not found"}},
		{"unknown employer fr", "/employers/123456782?lang=fr", "", 404, "fr", []string{"Introuvable"}},
		{"bad BN employer", "/employers/12", "", 400, "en", []string{"a Business Number (BN9) has 9 digits"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hdr := []string{}
			if tc.accept != "" {
				hdr = []string{"Accept-Language", tc.accept}
			}
			resp, body := s.get(t, tc.path, hdr...)
			if resp.StatusCode != tc.status || resp.Header.Get("Content-Language") != tc.lang {
				t.Fatalf("got %d %q, want %d %q", resp.StatusCode, resp.Header.Get("Content-Language"), tc.status, tc.lang)
			}
			if csp := resp.Header.Get("Content-Security-Policy"); csp != web.CSP {
				t.Errorf("CSP: got %q", csp)
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			if strings.Contains(body, "style=") || strings.Contains(body, "<script>") || strings.Contains(body, "onclick") {
				t.Errorf("inline style or script: the CSP would block it")
			}
		})
	}
}

func TestLangCookie(t *testing.T) {
	s := newSite(t)
	resp, _ := s.get(t, "/?lang=fr")
	var c *http.Cookie
	for _, k := range resp.Cookies() {
		if k.Name == "lang" {
			c = k
		}
	}
	if c == nil || c.Value != "fr" {
		t.Fatalf("?lang=fr set no lang cookie: %v", resp.Cookies())
	}
	resp, body := s.get(t, "/verify", "Cookie", "lang=fr", "Accept-Language", "en")
	if resp.Header.Get("Content-Language") != "fr" || !strings.Contains(body, "Vérifier un laissez-passer COR") {
		t.Errorf("the cookie does not win over Accept-Language")
	}
}

func TestAssetsServedByTheNode(t *testing.T) {
	s := newSite(t)
	for _, a := range []struct{ path, ctype string }{{"/assets/style.css", "text/css"}, {"/assets/scan.js", "text/javascript"}} {
		resp, body := s.get(t, a.path)
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), a.ctype) || len(body) < 100 {
			t.Errorf("%s: %d %s", a.path, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	}
	_, home := s.get(t, "/")
	if strings.Contains(home, "http://") && strings.Contains(home, "cdn") {
		t.Errorf("the home page refers to a CDN")
	}
	if resp, _ := s.get(t, "/v1/certificates/ACSA-20250417"); resp.StatusCode != 200 {
		t.Errorf("the API behind the pages: %d", resp.StatusCode)
	}
}

// TestVerifyPost checks a pass pasted, uploaded as a QR image, and after a
// suspension; and a tampered one.
func TestVerifyPost(t *testing.T) {
	s := newSite(t)
	_, text := s.get(t, "/v1/certificates/ACSA-20250417/pass")
	_, png := s.get(t, "/v1/certificates/ACSA-20250417/pass?format=png")
	post := func(field, value string, file []byte) string {
		t.Helper()
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		if field != "" {
			_ = mw.WriteField(field, value)
		}
		if file != nil {
			fw, _ := mw.CreateFormFile("file", "pass.png")
			_, _ = fw.Write(file)
		}
		_ = mw.Close()
		resp, err := http.Post(s.url+"/verify?lang=en", mw.FormDataContentType(), &body)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	if got := post("pass", text, nil); !strings.Contains(got, "The pass holds") || !strings.Contains(got, "Prairie Steel") {
		t.Errorf("pasted pass: %s", excerpt(got))
	}
	if got := post("", "", []byte(png)); !strings.Contains(got, "The pass holds") {
		t.Errorf("uploaded QR image: %s", excerpt(got))
	}
	bad := text[:len(text)-12] + "000000000000"
	if got := post("pass", bad, nil); !strings.Contains(got, "The pass does not hold") {
		t.Errorf("tampered pass: %s", excerpt(got))
	}
	if got := post("", "", nil); !strings.Contains(got, "Give a pass") {
		t.Errorf("empty form: %s", excerpt(got))
	}
	if _, err := s.n.ChangeStatus(t.Context(), nodetest.Admin(), "ACSA-20250417", node.StatusRequest{Action: "suspend", Reason: "Employer Review"}); err != nil {
		t.Fatal(err)
	}
	if got := post("pass", text, nil); !strings.Contains(got, "The pass does not hold") || !strings.Contains(got, "suspended") {
		t.Errorf("after suspension: %s", excerpt(got))
	}
	resp, body := s.get(t, "/verify?lang=fr&pass="+url.QueryEscape(text))
	if resp.StatusCode != 200 || !strings.Contains(body, "suspendu") {
		t.Errorf("GET /verify?pass= in French after suspension: %s", excerpt(body))
	}
}

func excerpt(s string) string {
	if i := strings.Index(s, `<main`); i >= 0 {
		s = s[i:]
	}
	if len(s) > 1500 {
		s = s[:1500]
	}
	return s
}
