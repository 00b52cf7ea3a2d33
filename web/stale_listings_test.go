package web_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// TestStaleCopyNotGreenInListings: Ontario suspends IHSA-000266 and then cannot
// be reached. Three days later British Columbia's employer page and search
// results must not show the certificate green "active": the row is amber
// and says "Not confirmed", as the certificate page does.
func TestStaleCopyNotGreenInListings(t *testing.T) {
	defer func(old time.Time) { nodetest.Now = old }(nodetest.Now)
	c := fedSites(t, "CA-ON", "CA-BC")
	on, bc := c["CA-ON"], c["CA-BC"]
	if _, err := on.n.ChangeStatus(t.Context(), nodetest.Admin(), "IHSA-000266", node.StatusRequest{Action: "suspend", Reason: "Employer Review opened after a fatality"}); err != nil {
		t.Fatal(err)
	}
	on.srv.Close()
	nodetest.Now = nodetest.Now.Add(72 * time.Hour)
	row := regexp.MustCompile(`(?s)<tr><td[^>]*><a href="/certificates/IHSA-000266\?iss=CA-ON">.*?</tr>|<tr>\s*<td[^>]*><a href="/certificates/IHSA-000266\?iss=CA-ON">.*?</tr>`)
	for _, path := range []string{"/employers/877889907", "/?q=877889907", "/employers/877889907?lang=fr"} {
		page := fedGet(t, bc.url+path)
		r := row.FindString(page)
		if r == "" {
			t.Fatalf("%s: no row for IHSA-000266: %s", path, excerpt(page))
		}
		if !strings.Contains(r, `badge warn`) || !strings.Contains(r, map[bool]string{true: "Non confirmé", false: "Not confirmed"}[strings.Contains(path, "lang=fr")]) {
			t.Errorf("%s, three days after Ontario went away: the row does not say the status is not confirmed: %s", path, strings.Join(strings.Fields(regexp.MustCompile(`<[^>]*>`).ReplaceAllString(r, " ")), " "))
		}
	}
}
