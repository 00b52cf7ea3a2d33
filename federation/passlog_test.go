package federation_test

import (
	"context"
	"errors"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/openapi"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
	"github.com/corfed/corfed/registry/pass"
	"github.com/corfed/corfed/registry/statuslist"
)

// TestPassMustMatchTheLog: passes signed with Alberta's own key (as one
// that leaked would sign them) that say what Alberta's log does not, are
// refused by British Columbia's node, which holds a verified copy of that
// log, and by Alberta's: a certificate that does not exist, a real one
// shown for another employer's name, and a revoked one pointed at a valid
// certificate's status slot. A genuine pass holds at both; one whose
// entry BC has not replicated yet does not hold until BC syncs.
func TestPassMustMatchTheLog(t *testing.T) {
	ctx := context.Background()
	c, ab, _, abPasses, newBC := passPair(t)
	bcPasses := newBC()

	genuine, valid, err := abPasses.Issue(ctx, "ACSA-20250417")
	if err != nil {
		t.Fatal(err)
	}
	_, doomed, err := abPasses.Issue(ctx, "ACSA-20240988")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ab.n.ChangeStatus(ctx, nodetest.Admin(), doomed.CertificateID,
		node.StatusRequest{Action: registry.ActionRevoke, Reason: "fraud"}); err != nil {
		t.Fatal(err)
	}
	c.syncAll()
	forge := func(change func(*pass.Pass)) string {
		p := valid
		change(&p)
		text, err := pass.Encode(p, ab.n.ActiveKey())
		if err != nil {
			t.Fatal(err)
		}
		return text
	}
	for _, tc := range []struct {
		name    string
		text    string
		holds   bool
		wantErr error
	}{
		{"genuine", genuine, true, nil},
		{"a certificate that does not exist", forge(func(p *pass.Pass) { p.CertificateID, p.Number = "ACSA-99999999", "99999999" }), false, federation.ErrPassNotInLog},
		{"another employer's name", forge(func(p *pass.Pass) { p.EmployerName = "Fly By Night Contracting Ltd" }), false, federation.ErrPassNotInLog},
		{"another BN", forge(func(p *pass.Pass) { p.EmployerBN = "123456782" }), false, federation.ErrPassNotInLog},
		{"a later expiry", forge(func(p *pass.Pass) { p.ExpiresOn = p.ExpiresOn.AddDays(365) }), false, federation.ErrPassNotInLog},
		{"another leaf", forge(func(p *pass.Pass) { p.LeafHash = doomed.LeafHash }), false, federation.ErrPassNotInLog},
		{"the revoked one at the valid one's slot", forge(func(p *pass.Pass) {
			idx := p.StatusIdx
			*p = doomed
			p.StatusIdx = idx
		}), false, nil},
	} {
		for _, at := range []struct {
			who string
			ps  *federation.Passes
		}{{"BC", bcPasses}, {"AB", abPasses}} {
			if at.who == "AB" && tc.name == "the revoked one at the valid one's slot" {
				tc.wantErr = federation.ErrPassNotInLog // AB gave the slots: it knows this one is not the certificate's
			}
			got, err := at.ps.CheckPass(ctx, tc.text)
			switch {
			case tc.wantErr != nil && (!errors.Is(err, tc.wantErr) || !errors.Is(err, registry.ErrUnverified) || got.Holds()):
				t.Errorf("%s, at %s: %v (holds %v), want %v", tc.name, at.who, err, got.Holds(), tc.wantErr)
			case tc.wantErr == nil && (err != nil || got.Holds() != tc.holds):
				t.Errorf("%s, at %s: %v, holds %v, want %v", tc.name, at.who, err, got.Holds(), tc.holds)
			case tc.wantErr == nil && !tc.holds && (got.LogStatus != registry.StatusRevoked || got.Status != statuslist.Invalid):
				t.Errorf("%s, at %s: log status %q, status %d; want revoked, invalid", tc.name, at.who, got.LogStatus, got.Status)
			}
		}
	}

	// A certificate AB issues after BC's last sync.
	if _, err := ab.n.CreateCertificate(ctx, nodetest.Admin(), node.NewCertificate{Issuer: "ACSA", Number: "20261201", Program: registry.ProgramCOR,
		EmployerBN: valid.EmployerBN, IssuedOn: registry.MustDate("2026-11-20"), TermMonths: 36}); err != nil {
		t.Fatal(err)
	}
	fresh, _, err := abPasses.Issue(ctx, "ACSA-20261201")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := bcPasses.CheckPass(ctx, fresh); !errors.Is(err, registry.ErrUnavailable) || got.Holds() {
		t.Fatalf("before BC syncs: %v (holds %v), want unavailable", err, got.Holds())
	}
	c.syncAll()
	// A checker whose copy of AB's status list is not from before the
	// certificate (a list is reused for a minute).
	bcPasses = newBC()
	if got, err := bcPasses.CheckPass(ctx, fresh); err != nil || !got.Holds() {
		t.Fatalf("after BC syncs: %v (holds %v)", err, got.Holds())
	}
}

// passPair is AB and BC, AB serving its passes, not synced yet; newBC
// gives a BC checker that holds no status list yet.
func passPair(t *testing.T) (*syncCluster, *syncNode, *syncNode, *federation.Passes, func() *federation.Passes) {
	t.Helper()
	c := newSyncCluster(t, federation.Config{}, "CA-AB", "CA-BC")
	ab, bc := c.members["CA-AB"], c.members["CA-BC"]
	abPasses := federation.NewPasses(federation.NewLookups(ab.fed), federation.PassConfig{BaseURL: ab.srv.URL})
	ab.h.set(openapi.New(openapi.Config{Node: ab.n.Node,
		Extra: []func(huma.API, *openapi.Helpers){openapi.PeerOps(ab.fed), openapi.PassOps(abPasses)}}))
	newBC := func() *federation.Passes {
		return federation.NewPasses(federation.NewLookups(bc.fed), federation.PassConfig{BaseURL: bc.srv.URL})
	}
	return c, ab, bc, abPasses, newBC
}
