package federation_test

// Regressions from the review of the pass-against-the-log check (session 21).

import (
	"context"
	"errors"
	"strings"
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

// passPair is AB and BC, AB serving its passes, synced once.
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

// a pass signed with a pinned key whose employer name is any
// prefix of the real one followed by "…" holds, though Encode only ever
// shortens names longer than pass.MaxNameBytes (80), and then to exactly
// shorten(name, 80).
func TestPassLogTruncatedNameForgeryHolds(t *testing.T) {
	ctx := context.Background()
	c, ab, _, abPasses, newBC := passPair(t)
	_, valid, err := abPasses.Issue(ctx, "ACSA-20250417") // Prairie Steel Erectors Ltd.
	if err != nil {
		t.Fatal(err)
	}
	c.syncAll()
	bcPasses := newBC()
	for _, name := range []string{"…", "Prairie…"} {
		p := valid
		p.EmployerName = name
		text, err := pass.Encode(p, ab.n.ActiveKey())
		if err != nil {
			t.Fatal(err)
		}
		for who, ps := range map[string]*federation.Passes{"AB": abPasses, "BC": bcPasses} {
			got, err := ps.CheckPass(ctx, text)
			if err == nil && got.Holds() {
				t.Errorf("%s: a pass naming the employer %q (its legal name is 28 bytes, never shortened) holds", who, name)
			}
		}
	}
}

// a genuine pass is refused as forged once its employer has had
// more than maxNameVersions (64) versions since the name the pass carries.
func TestPassLogRenamedEmployerWithManyVersionsRefused(t *testing.T) {
	ctx := context.Background()
	_, ab, _, abPasses, _ := passPair(t)
	genuine, _, err := abPasses.Issue(ctx, "ACSA-20250417")
	if err != nil {
		t.Fatal(err)
	}
	e := registry.Employer{BN: "812345676", LegalName: "Prairie Steel Erectors (2027) Ltd."}
	for i := 0; i < 64; i++ {
		e.EmployeeCount = 100 + i
		if _, err := ab.n.PutEmployer(ctx, nodetest.Admin(), e, false); err != nil {
			t.Fatal(err)
		}
	}
	got, err := abPasses.CheckPass(ctx, genuine)
	if err != nil || !got.Holds() {
		t.Errorf("a genuine pass, after a rename and 63 more employer updates: %v (holds %v)", err, got.Holds())
	}
}

// a forged pass (pinned key) for a certificate that does not exist
// is not called forged when its status index is outside the list: the list
// check fails first and the log is never read, so the error is not
// ErrPassNotInLog (the /verify page says "could not be checked", amber).
func TestPassLogForgeryWithOutOfRangeIndexNotCalledForged(t *testing.T) {
	ctx := context.Background()
	_, ab, _, abPasses, _ := passPair(t)
	_, valid, err := abPasses.Issue(ctx, "ACSA-20250417")
	if err != nil {
		t.Fatal(err)
	}
	p := valid
	p.CertificateID, p.Number, p.StatusIdx = "ACSA-99999999", "99999999", 1<<20
	text, err := pass.Encode(p, ab.n.ActiveKey())
	if err != nil {
		t.Fatal(err)
	}
	got, err := abPasses.CheckPass(ctx, text)
	if !errors.Is(err, federation.ErrPassNotInLog) {
		t.Errorf("forged pass, nonexistent certificate, index 1<<20: %v (holds %v); want ErrPassNotInLog", err, got.Holds())
	}
}

// "the worse of the two" replaced only a Valid list value: a revoked
// certificate's pass pointed at a suspended certificate's slot read
// "suspended" at BC, though the log says revoked. AB, which gave the
// slots, refuses it outright.
func TestPassLogWorseOfKeepsSuspendedOverRevoked(t *testing.T) {
	ctx := context.Background()
	c, ab, _, abPasses, newBC := passPair(t)
	_, susp, err := abPasses.Issue(ctx, "ACSA-20250417")
	if err != nil {
		t.Fatal(err)
	}
	_, doomed, err := abPasses.Issue(ctx, "ACSA-20240988")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ab.n.ChangeStatus(ctx, nodetest.Admin(), susp.CertificateID, node.StatusRequest{Action: registry.ActionSuspend, Reason: "ER"}); err != nil {
		t.Fatal(err)
	}
	if _, err := ab.n.ChangeStatus(ctx, nodetest.Admin(), doomed.CertificateID, node.StatusRequest{Action: registry.ActionRevoke, Reason: "fraud"}); err != nil {
		t.Fatal(err)
	}
	c.syncAll()
	p := doomed
	p.StatusIdx = susp.StatusIdx
	text, err := pass.Encode(p, ab.n.ActiveKey())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := abPasses.CheckPass(ctx, text); !errors.Is(err, federation.ErrPassNotInLog) {
		t.Errorf("AB: %v, want the slot refused", err)
	}
	got, err := newBC().CheckPass(ctx, text)
	if err != nil {
		t.Fatal(err)
	}
	if got.LogStatus != registry.StatusRevoked || got.Status != statuslist.Invalid {
		t.Errorf("BC: log status %q, status %s; want revoked, invalid", got.LogStatus, statuslist.Name(got.Status))
	}
}

// a replica that lags the issuer's fresh, signed list overrode it:
// AB reinstates a suspended certificate; BC fetches AB's new list (valid,
// log_size past BC's copy) but has not synced yet, and the genuine pass
// read "does not hold: suspended". Which is right cannot be told before
// BC syncs: it is "not replicated yet" (try again), and holds after.
func TestPassLogLaggingReplicaOverridesFresherList(t *testing.T) {
	ctx := context.Background()
	c, ab, _, abPasses, newBC := passPair(t)
	genuine, p, err := abPasses.Issue(ctx, "ACSA-20250417")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ab.n.ChangeStatus(ctx, nodetest.Admin(), p.CertificateID, node.StatusRequest{Action: registry.ActionSuspend, Reason: "ER"}); err != nil {
		t.Fatal(err)
	}
	c.syncAll()
	if _, err := ab.n.ChangeStatus(ctx, nodetest.Admin(), p.CertificateID, node.StatusRequest{Action: registry.ActionReinstate, Reason: "plan done"}); err != nil {
		t.Fatal(err)
	}
	got, err := newBC().CheckPass(ctx, genuine)
	if !errors.Is(err, federation.ErrNotReplicated) || got.Holds() {
		t.Errorf("BC, AB's list fresh (log_size %d), BC's replica behind: %v (holds %v), want not replicated yet", got.List.LogSize, err, got.Holds())
	}
	c.syncAll()
	if got, err := newBC().CheckPass(ctx, genuine); err != nil || !got.Holds() {
		t.Errorf("BC after its sync: %v (holds %v)", err, got.Holds())
	}
}

// the pass is compared with the certificate version at its seq
// only. After the issuer corrects the certificate's scope (a new version),
// a pass resting on the old version (one issued before, or one a leaked key
// signs now) still holds and shows the scope the registry withdrew.
func TestPassLogPassOnSupersededVersionHolds(t *testing.T) {
	ctx := context.Background()
	c, ab, _, abPasses, newBC := passPair(t)
	old, p, err := abPasses.Issue(ctx, "ACSA-20250417")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ab.n.UpdateCertificate(ctx, nodetest.Admin(), "ACSA-20250417", node.CertificateUpdate{Sector: "construction", IndustryScope: []string{"238990"}}); err != nil {
		t.Fatal(err)
	}
	c.syncAll()
	_, now, err := abPasses.Issue(ctx, "ACSA-20250417")
	if err != nil {
		t.Fatal(err)
	}
	for who, ps := range map[string]*federation.Passes{"AB": abPasses, "BC": newBC()} {
		got, err := ps.CheckPass(ctx, old)
		if err == nil && got.Holds() {
			t.Errorf("%s: the pass on v1 (scope %q) holds; the certificate's scope is now %q", who, p.Scope, now.Scope)
		}
	}
}

// Fine: long multi-byte names (shortened with "…"), a rename, a later
// certificate version, a long industry scope: the genuine pass holds at
// the issuer and at a peer.
func TestPassLogGenuineEdgeCasesHold(t *testing.T) {
	ctx := context.Background()
	c, ab, _, abPasses, newBC := passPair(t)
	long := registry.Employer{BN: "812345676", LegalName: strings.Repeat("Bétonnière Érable-Étoile ", 6) + "Ltée"}
	if _, err := ab.n.PutEmployer(ctx, nodetest.Admin(), long, false); err != nil {
		t.Fatal(err)
	}
	if _, err := ab.n.UpdateCertificate(ctx, nodetest.Admin(), "ACSA-20250417", node.CertificateUpdate{Sector: "construction",
		IndustryScope: []string{"238120", "238110", "238130", "238140", "238150", "238160", "238170"}}); err != nil {
		t.Fatal(err)
	}
	text, p, err := abPasses.Issue(ctx, "ACSA-20250417")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ab.n.PutEmployer(ctx, nodetest.Admin(), registry.Employer{BN: "812345676", LegalName: "Renamed Ltd."}, false); err != nil {
		t.Fatal(err)
	}
	if _, err := ab.n.ChangeStatus(ctx, nodetest.Admin(), "ACSA-20250417", node.StatusRequest{Action: registry.ActionSuspend, Reason: "x"}); err != nil {
		t.Fatal(err)
	}
	if _, err := ab.n.ChangeStatus(ctx, nodetest.Admin(), "ACSA-20250417", node.StatusRequest{Action: registry.ActionReinstate, Reason: "y"}); err != nil {
		t.Fatal(err)
	}
	c.syncAll()
	t.Logf("name %q scope %q", p.EmployerName, p.Scope)
	for who, ps := range map[string]*federation.Passes{"AB": abPasses, "BC": newBC()} {
		got, err := ps.CheckPass(ctx, text)
		if err != nil || !got.Holds() {
			t.Errorf("%s: %v (holds %v)", who, err, got.Holds())
		}
	}
}

// a certificate recorded ahead of its issue date gets a pass (Issue judges
// it pending), but the list and the log check read its status before the
// issue date as invalid: the genuine pass read "no longer valid".
func TestPassLogPendingCertificatePass(t *testing.T) {
	ctx := context.Background()
	_, ab, _, abPasses, _ := passPair(t)
	issued := ab.n.Today().AddDays(10)
	if _, err := ab.n.CreateCertificate(ctx, nodetest.Admin(), node.NewCertificate{Issuer: "ACSA", Number: "20270101", Program: registry.ProgramCOR,
		EmployerBN: "812345676", IssuedOn: issued, TermMonths: 36}); err != nil {
		t.Fatal(err)
	}
	text, _, err := abPasses.Issue(ctx, "ACSA-20270101")
	if err != nil {
		t.Fatalf("no pass for a certificate issued in 10 days: %v", err)
	}
	got, err := abPasses.CheckPass(ctx, text)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != statuslist.Pending || got.LogStatus != registry.StatusPending {
		t.Errorf("pass of a certificate issued on %s: status %s, log status %q; want pending", issued, statuslist.Name(got.Status), got.LogStatus)
	}
}
