package federation_test

import (
	"testing"

	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// TestPeerAuditorKeepsItsHomesPeriod: a peer's credential is read as its
// home node stored it. A province whose program certifies auditors for 60
// months registers one; every node says certified (another node's
// 36-month period lapsed it, and refused its audits, for one commit).
func TestPeerAuditorKeepsItsHomesPeriod(t *testing.T) {
	ctx := t.Context()
	c := newSyncClusterWith(t, federation.Config{}, map[registry.Jurisdiction]nodetest.Options{
		"CA-AB": {Program: true}, "CA-BC": {Program: true}}, "CA-AB", "CA-BC")
	ab, bc := c.members["CA-AB"], c.members["CA-BC"]
	admin := nodetest.Admin()
	p, err := bc.n.Program(ctx, registry.ProgramCOR)
	if err != nil {
		t.Fatal(err)
	}
	p.Auditors.PeriodMonths = 60
	if _, err := bc.n.PublishProgram(ctx, admin, p); err != nil {
		t.Fatal(err)
	}
	a := registry.Auditor{ID: "BC-AUD-60", Name: "Pat Long", Credentials: []registry.Credential{{CP: "BCCSA", Kind: "external",
		CertifiedOn: registry.MustDate("2022-06-01"), ExpiresOn: registry.MustDate("2027-05-31")}}}
	if _, err := bc.n.PutAuditor(ctx, admin, a, true); err != nil {
		t.Fatal(err)
	}
	c.syncAll()
	home, err := bc.n.Auditor(ctx, a.ID, registry.Date{})
	if err != nil {
		t.Fatal(err)
	}
	peer, err := ab.n.Auditor(ctx, a.ID, registry.Date{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("home CA-BC: %s (%s); CA-AB: %s (%s)", home.Standing.Status, home.Standing.Reason, peer.Standing.Status, peer.Standing.Reason)
	if home.Standing.Status != peer.Standing.Status {
		t.Errorf("the national registry disagrees on one auditor: home says %s, CA-AB says %s", home.Standing.Status, peer.Standing.Status)
	}
}
