package web_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/corfed/corfed/registry/node/nodetest"
)

// TestWCBSearchStatusInIssuersZone: Ontario's IHSA-000266 expires on
// 2028-06-12. At 05:30 UTC on 2028-06-13 it is 01:30 in Toronto (expired,
// and its pass has expired) but 22:30 on the 12th in Vancouver. BC's
// certificate page says "expired" (TestPeerCertificateStatusInItsZone), its
// search by BN too, and so does a search by the WCB account (review
// s26-v: it read the answering node's date and said green "active").
func TestWCBSearchStatusInIssuersZone(t *testing.T) {
	defer func(old time.Time) { nodetest.Now = old }(nodetest.Now)
	nodetest.Now = time.Date(2028, 6, 12, 12, 0, 0, 0, time.UTC)
	c := fedSites(t, "CA-ON", "CA-BC")
	nodetest.Now = time.Date(2028, 6, 13, 5, 30, 0, 0, time.UTC)
	bc := c["CA-BC"]
	for _, st := range bc.fed.SyncAll(t.Context()) { // a fresh copy: nothing is "not confirmed"
		if st.LastError != "" {
			t.Fatal(st.LastError)
		}
	}
	row := regexp.MustCompile(`(?s)<tr>\s*<td[^>]*><a href="/certificates/IHSA-000266\?iss=CA-ON">.*?</tr>`)
	for _, path := range []string{"/?q=877889907", "/?q=WSIB-7731902", "/?q=WSIB-7731902&by=wcb", "/employers/877889907"} {
		page := fedGet(t, bc.url+path)
		r := row.FindString(page)
		if r == "" {
			t.Errorf("%s: no row: %s", path, excerpt(page))
			continue
		}
		txt := strings.Join(strings.Fields(regexp.MustCompile(`<[^>]*>`).ReplaceAllString(r, " ")), " ")
		if strings.Contains(r, "badge ok") || !strings.Contains(r, "expired") {
			t.Errorf("BC's %s at 01:30 in Toronto the day after IHSA-000266 expired: %q; want expired, as its certificate page says", path, txt)
		}
	}
}
