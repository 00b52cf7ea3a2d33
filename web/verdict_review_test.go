package web_test

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
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
	"github.com/corfed/corfed/registry/pass"
	"github.com/corfed/corfed/web"
)

var reviewVerdict = regexp.MustCompile(`(?s)<h2 id="result">(.*?)</h2>`)

// a pass the node calls forged ("what it says is not in its
// registry's log") is shown as "What the pass says" without "(as the pass
// claims; not verified)", with a link "The signed record behind it" to a
// certificate that does not exist (404).
func TestVerdictForgedPassShownAsVerifiedWithBrokenLink(t *testing.T) {
	s := newSite(t)
	_, p, err := s.ps.Issue(context.Background(), "ACSA-20250417")
	if err != nil {
		t.Fatal(err)
	}
	p.CertificateID, p.Number = "ACSA-99999999", "99999999"
	forged, err := pass.Encode(p, s.n.ActiveKey())
	if err != nil {
		t.Fatal(err)
	}
	_, body := s.get(t, "/verify?lang=en&pass="+url.QueryEscape(forged))
	if !strings.Contains(body, "not in its registry&#39;s log") {
		t.Fatalf("not called forged: %s", excerpt(body))
	}
	if !strings.Contains(body, "(as the pass claims; not verified)") {
		t.Errorf("the forged pass's claims are shown without \"not verified\"")
	}
	if strings.Contains(body, `href="/certificates/ACSA-99999999?iss=CA-AB"`) {
		if resp, _ := s.get(t, "/certificates/ACSA-99999999?iss=CA-AB"); resp.StatusCode == http.StatusNotFound {
			t.Errorf("the page links \"The signed record behind it\" to /certificates/ACSA-99999999?iss=CA-AB: %d", resp.StatusCode)
		}
	}
}

// a pass dated in the future (a clock is wrong; "try again later")
// gets the red "does not hold" verdict, not "could not be checked".
func TestVerdictFuturePassVerdict(t *testing.T) {
	s := newSite(t)
	_, p, err := s.ps.Issue(context.Background(), "ACSA-20250417")
	if err != nil {
		t.Fatal(err)
	}
	p.IssuedAt = p.IssuedAt.Add(time.Hour)
	text, err := pass.Encode(p, s.n.ActiveKey())
	if err != nil {
		t.Fatal(err)
	}
	_, body := s.get(t, "/verify?lang=en&pass="+url.QueryEscape(text))
	v := reviewVerdict.FindStringSubmatch(body)
	if v == nil || !strings.Contains(v[1], "could not be checked") {
		t.Errorf("pass dated an hour ahead: verdict %q; page says %q", v, regexp.MustCompile(`<p class="why">[^<]*`).FindString(body))
	}
}

// a stale copy turns a red status into amber: a revoked
// certificate, read from a copy not synced for 3 days, gets "warn".
func TestVerdictStaleCopySoftensRevoked(t *testing.T) {
	defer func(old time.Time) { nodetest.Now = old }(nodetest.Now)
	c := fedSites(t, "CA-ON", "CA-BC")
	on, bc := c["CA-ON"], c["CA-BC"]
	if _, err := on.n.ChangeStatus(t.Context(), nodetest.Admin(), "IHSA-000266", node.StatusRequest{Action: registry.ActionRevoke, Reason: "fraud"}); err != nil {
		t.Fatal(err)
	}
	for _, st := range bc.fed.SyncAll(t.Context()) {
		if st.LastError != "" {
			t.Fatal(st.LastError)
		}
	}
	on.srv.Close()
	nodetest.Now = nodetest.Now.Add(72 * time.Hour)
	line := statusLine.FindString(fedGet(t, bc.url+"/certificates/IHSA-000266?iss=CA-ON"))
	if !strings.Contains(line, "revoked") || !strings.Contains(line, `badge big bad"`) {
		t.Errorf("a revoked certificate on a stale copy: %s; want the red badge", line)
	}
}

// "not confirmed" after 5 minutes whatever --sync-interval says:
// a node syncing every 10 minutes shows every peer record amber for half
// of each interval.
func TestVerdictStaleCopyIgnoresSyncInterval(t *testing.T) {
	defer func(old time.Time) { nodetest.Now = old }(nodetest.Now)
	var ms []federation.Member
	type nd struct {
		n   *nodetest.Node
		url string
		ln  net.Listener
		fed *federation.Federation
	}
	nodes := map[registry.Jurisdiction]*nd{}
	for _, j := range []registry.Jurisdiction{"CA-ON", "CA-BC"} {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		n := nodetest.New(t, j, nodetest.Options{Seed: true, Rules: true})
		nodes[j] = &nd{n: n, url: "http://" + ln.Addr().String(), ln: ln}
		ms = append(ms, federation.Member{Jurisdiction: j, URL: nodes[j].url, Keys: n.PublicKeys()})
	}
	file, _ := federation.MarshalTrust("test", ms)
	trust, err := federation.ParseTrust(file)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	for _, m := range nodes {
		fed, err := federation.New(federation.Config{Node: m.n.Node, Trust: trust, Interval: 10 * time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		m.fed = fed
		l := federation.NewLookups(fed)
		ps := federation.NewPasses(l, federation.PassConfig{BaseURL: m.url})
		api := openapi.New(openapi.Config{Node: m.n.Node, Logger: log,
			Extra: []func(huma.API, *openapi.Helpers){openapi.PeerOps(fed), openapi.LookupOps(l), openapi.PassOps(ps)}})
		srv := &httptest.Server{Listener: m.ln, Config: &http.Server{Handler: web.New(web.Config{Node: m.n.Node, Lookups: l, Passes: ps, Logger: log}).Handler(api)}}
		srv.Start()
		t.Cleanup(srv.Close)
	}
	for _, st := range nodes["CA-BC"].fed.SyncAll(t.Context()) {
		if st.LastError != "" {
			t.Fatal(st.LastError)
		}
	}
	nodetest.Now = nodetest.Now.Add(6 * time.Minute) // the next sync is due in 4 minutes
	page := fedGet(t, nodes["CA-BC"].url+"/certificates/IHSA-000266?iss=CA-ON")
	if strings.Contains(page, "Not confirmed") {
		t.Errorf("6 minutes after a sync, with syncs every 10 minutes, the page says: %s", regexp.MustCompile(`<p class="copy">.*?</p>`).FindString(page))
	}
}
