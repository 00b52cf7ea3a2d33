package node

import (
	"testing"

	"github.com/corfed/corfed/registry"
)

// TestCPScopedCredentialCountsOnItsCPsNode: a peer, internal or candidate
// credential counts for an audit only on the node that registered the
// auditor (the node of the CP it names); an external one counts
// everywhere. A record a node stored before it checked the credential's
// CP (or a peer's) with another province's CP does not let that CP's
// audits through.
func TestCPScopedCredentialCountsOnItsCPsNode(t *testing.T) {
	day := registry.MustDate("2026-10-17")
	a := registry.Audit{CP: "BCCSA", Type: registry.AuditCertification, OnsiteEnd: day}
	for _, c := range []struct {
		kind string
		home registry.Jurisdiction
		self registry.Jurisdiction
		ok   bool
	}{
		{registry.CredInternal, "CA-AB", "CA-BC", false},
		{registry.CredPeer, "CA-AB", "CA-BC", false},
		{registry.CredInternal, "CA-BC", "CA-BC", true},
		{registry.CredExternal, "CA-AB", "CA-BC", true},
	} {
		v := AuditorView{Auditor: registry.Auditor{ID: "AUD-9001", Home: c.home}, Entry: registry.Entry{Iss: c.home},
			Standing: registry.AuditorStanding{Status: registry.AuditorCertified, Credentials: []registry.CredentialStanding{
				{Credential: registry.Credential{CP: "BCCSA", Kind: c.kind}, Status: registry.AuditorCertified}}}}
		certified, err := checkAuditorOn(registry.Program{}, a, "body.auditors[0]", v, day, c.self)
		if (err == nil) != c.ok || certified != c.ok {
			t.Errorf("%s credential of an auditor of %s, audit on %s: certified %v, err %v; want ok %v", c.kind, c.home, c.self, certified, err, c.ok)
		}
	}
}
