package node

import (
	"context"
	"testing"

	"github.com/corfed/corfed/registry"
)

// TestOwnOldAuditorRecordEndsWithItsPeriod: an auditor record of this
// node's own stored before PutAuditor refused an expires_on past the
// 36-month period (written here past that check) lapses at the period's
// end; the record itself is shown as signed.
func TestOwnOldAuditorRecordEndsWithItsPeriod(t *testing.T) {
	tn := newTestNode(t, true)
	ctx := context.Background()
	d := registry.MustDate
	a := registry.Auditor{ID: "AUD-OLD", Name: "Old Record", Home: "CA-AB", Credentials: []registry.Credential{
		{CP: "ACSA", Kind: registry.CredExternal, CertifiedOn: d("2020-01-01"), ExpiresOn: d("2035-01-01")}}}
	if _, err := tn.commit(ctx, registry.KindAuditor, a.ID, nil, func(feedReader, *registry.Entry) (any, []registry.IndexKey, error) {
		return a, nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ on, want string }{{"2022-12-31", registry.AuditorCertified}, {"2030-06-01", registry.AuditorLapsed}} {
		v, err := tn.Auditor(ctx, a.ID, d(c.on))
		if err != nil {
			t.Fatal(err)
		}
		if v.Standing.Status != c.want {
			t.Errorf("on %s: %s (%s), want %s", c.on, v.Standing.Status, v.Standing.Reason, c.want)
		}
		if got := v.Auditor.Credentials[0].ExpiresOn; got != d("2035-01-01") {
			t.Errorf("the record shows expires_on %s, not as signed", got)
		}
	}
}
