package web_test

import (
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/registry/node/nodetest"
	"github.com/corfed/corfed/web"
)

// A record that fails verification (here: the federation file now pins
// another key for Alberta, as when a leaked key is removed) gets the red
// "Not verified" line and no green badge in its history table either (its
// history showed green "active" badges).
func TestVerdictUnverifiedRecordHistoryBadges(t *testing.T) {
	c := fedSites(t, "CA-AB", "CA-BC")
	bc := c["CA-BC"]
	other := nodetest.New(t, "CA-AB", nodetest.Options{})
	file, err := federation.MarshalTrust("test2", []federation.Member{
		{Jurisdiction: "CA-AB", URL: c["CA-AB"].url, Keys: other.PublicKeys()},
		{Jurisdiction: "CA-BC", URL: bc.url, Keys: bc.n.PublicKeys()}})
	if err != nil {
		t.Fatal(err)
	}
	trust, err := federation.ParseTrust(file)
	if err != nil {
		t.Fatal(err)
	}
	fed, err := federation.New(federation.Config{Node: bc.n.Node, Trust: trust})
	if err != nil {
		t.Fatal(err)
	}
	l := federation.NewLookups(fed)
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	base := "http://" + ln.Addr().String()
	ps := federation.NewPasses(l, federation.PassConfig{BaseURL: base})
	srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: web.New(web.Config{Node: bc.n.Node, Lookups: l, Passes: ps, Logger: slog.New(slog.DiscardHandler)}).Handler(http.NotFoundHandler())}}
	srv.Start()
	t.Cleanup(srv.Close)
	page := fedGet(t, base+"/certificates/ACSA-20250417?iss=CA-AB")
	if !strings.Contains(page, "Not verified") {
		t.Fatalf("the record verified: %s", statusLine.FindString(page))
	}
	hist := regexp.MustCompile(`(?s)<tbody>.*?</tbody>`).FindString(page[strings.Index(page, `id="history"`):])
	if strings.Contains(hist, `badge ok"`) {
		t.Errorf("unverified record, history rows: %s", hist)
	}
}
