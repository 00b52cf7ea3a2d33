package federation_test

import (
	"context"
	"testing"

	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
	"github.com/corfed/corfed/registry/statuslist"
)

// TestListPaddingIsNotValid: the 2-bit list is packed 4 per byte, and the
// unused slots of the last byte decoded as 0 = Valid. A certificate created after a list was made
// gets the next index, which can fall in that padding: checked against
// that list (a verifier's cached list inside its ttl, a peer's held list
// inside its reuse minute) its pass reads "valid" instead of "outside
// the list", even when the certificate is only pending. They are written
// Pending now.
func TestListPaddingIsNotValid(t *testing.T) {
	ctx := context.Background()
	n := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true})
	fed, err := federation.New(federation.Config{Node: n.Node})
	if err != nil {
		t.Fatal(err)
	}
	ps := federation.NewPasses(federation.NewLookups(fed), federation.PassConfig{BaseURL: "http://cor.example"})
	old, _, err := ps.StatusList(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sl, _ := statuslist.Verify(n.PublicKeys(), old, "CA-AB", ps.StatusListURL())
	// Find a seeded certificate to copy the employer and basis from.
	v, err := n.Certificate(ctx, "ACSA-20250417", registry.Date{})
	if err != nil {
		t.Fatal(err)
	}
	c := v.Certificate
	var text string
	var idx uint64
	for i := range 4 { // create pending certificates until one lands in the old list's padding
		_, err := n.CreateCertificate(ctx, nodetest.Admin(), node.NewCertificate{Issuer: c.Issuer, Number: "PEND" + string(rune('0'+i)), Program: c.Program,
			EmployerBN: c.EmployerBN, Basis: c.Basis, BasisRef: c.BasisRef, IssuedOn: c.IssuedOn, DocMonths: c.DocMonths, Status: registry.StatusPending})
		if err != nil {
			t.Fatal(err)
		}
		tx, p, err := ps.Issue(ctx, registry.CertificateID(c.Issuer, "PEND"+string(rune('0'+i))))
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := sl.List.Get(p.StatusIdx); ok {
			text, idx = tx, p.StatusIdx
			break
		}
	}
	if text == "" {
		t.Skip("the seeded list had no padding")
	}
	keys := func(j registry.Jurisdiction) (*jose.KeySet, bool) { return n.PublicKeys(), j == "CA-AB" }
	src := func(context.Context, registry.Jurisdiction, string) (string, string, error) { return old, "", nil }
	got, err := federation.CheckPass(ctx, text, keys, src, nodetest.Now)
	t.Logf("list made with %d slots (len %d); pending certificate got index %d; check: holds=%v status=%s stale=%v err=%v",
		sl.List.Len(), sl.List.Len(), idx, got.Holds(), statuslist.Name(got.Status), got.Stale, err)
	if err == nil && got.Holds() {
		t.Errorf("the pass of a PENDING certificate holds against a list made before it existed (index %d in the last byte's padding)", idx)
	}
	// The current list says pending.
	cur, _, _ := ps.StatusList(ctx)
	src2 := func(context.Context, registry.Jurisdiction, string) (string, string, error) { return cur, "", nil }
	got2, err := federation.CheckPass(ctx, text, keys, src2, nodetest.Now)
	t.Logf("against the current list: holds=%v status=%s err=%v", got2.Holds(), statuslist.Name(got2.Status), err)
}
