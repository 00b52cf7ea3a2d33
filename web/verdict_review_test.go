package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
	"github.com/corfed/corfed/registry/pass"
)

var reviewVerdict = regexp.MustCompile(`(?s)<h2 id="result">(.*?)</h2>`)

// A pass the node calls forged ("what it says is not in its registry's
// log") shows what it says "(as the pass claims; not verified)", without a
// link to a record that does not exist. (Its claims were shown as
// verified, with a link to a 404.)
func TestVerdictForgedPassClaimsAreClaims(t *testing.T) {
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

// A pass dated in the future (a clock is wrong; "try again later") is
// "could not be checked", not the red "does not hold" it got.
func TestVerdictFuturePassIsUnchecked(t *testing.T) {
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

// A stale copy turns only green badges amber: a revoked certificate, read
// from a copy not synced for 3 days, keeps its red badge (it got "warn").
func TestVerdictStaleCopyKeepsRed(t *testing.T) {
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

// "Not confirmed" comes after ten sync intervals: a node syncing every 10
// minutes does not show a peer record amber 6 minutes after a sync (it did
// after a fixed 5 minutes, for half of every interval).
func TestVerdictStaleCopyFollowsTheSyncInterval(t *testing.T) {
	defer func(old time.Time) { nodetest.Now = old }(nodetest.Now)
	c := fedSitesWith(t, 10*time.Minute, "CA-ON", "CA-BC")
	nodetest.Now = nodetest.Now.Add(6 * time.Minute) // the next sync is due in 4 minutes
	page := fedGet(t, c["CA-BC"].url+"/certificates/IHSA-000266?iss=CA-ON")
	if strings.Contains(page, "Not confirmed") {
		t.Errorf("6 minutes after a sync, with syncs every 10 minutes, the page says: %s", regexp.MustCompile(`<p class="copy">.*?</p>`).FindString(page))
	}
}
