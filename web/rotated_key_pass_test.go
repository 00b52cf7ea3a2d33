package web_test

import (
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// TestUnknownKidPassIsCannotCheck: Alberta rotates its signing key (as
// `corfed keygen --rotate` + SIGHUP do) and hands out a pass signed by the
// new key for an honest, long-standing certificate. Until British
// Columbia's next sync of Alberta's feed (which carries the announcement),
// BC's Verify page calls the honest pass red "does not hold ... forged or
// altered", where it should say it cannot check it yet.
func TestUnknownKidPassIsCannotCheck(t *testing.T) {
	c := fedSites(t, "CA-AB", "CA-BC")
	ab, bc := c["CA-AB"], c["CA-BC"]
	next := &jose.Keyring{}
	for _, k := range ab.n.Keys.Keys {
		cp := *k
		next.Keys = append(next.Keys, &cp)
	}
	if _, err := next.Rotate(jose.EdDSA, nodetest.Now); err != nil {
		t.Fatal(err)
	}
	if err := ab.n.SetKeys(t.Context(), next); err != nil {
		t.Fatal(err)
	}
	text := fedGet(t, ab.url+"/v1/certificates/ACSA-20250417/pass")
	verdict := func(body string) string {
		m := regexp.MustCompile(`(?s)<h2 id="result">(.*?)</h2>\s*(<p class="why">[^<]*)?`).FindStringSubmatch(body)
		if m == nil {
			return ""
		}
		return m[1] + " " + m[2]
	}
	if v := verdict(fedGet(t, ab.url+"/verify?lang=en&pass="+url.QueryEscape(text))); !strings.Contains(v, "The pass holds") {
		t.Fatalf("AB itself: %s", v)
	}
	v := verdict(fedGet(t, bc.url+"/verify?lang=en&pass="+url.QueryEscape(text)))
	t.Logf("BC before its sync: %s", v)
	if strings.Contains(v, "forged") || strings.Contains(v, "does not hold") {
		t.Errorf("an honest pass signed by AB's new key, checked on BC before BC synced the key's announcement, is called: %s", v)
	}
	for _, st := range bc.fed.SyncAll(t.Context()) {
		if st.LastError != "" {
			t.Fatal(st.LastError)
		}
	}
	if v := verdict(fedGet(t, bc.url+"/verify?lang=en&pass="+url.QueryEscape(text))); !strings.Contains(v, "The pass holds") {
		t.Errorf("BC after its sync: %s", v)
	}
}
