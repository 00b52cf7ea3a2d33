package federation_test

// Regressions from the review of the pass-against-the-log check (session 21).

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
	"github.com/corfed/corfed/registry/pass"
	"github.com/corfed/corfed/registry/statuslist"
)

// A pass signed with a pinned key whose employer name is a prefix of
// the real one followed by "…" is refused: Encode shortens only names
// longer than pass.MaxNameBytes (80), and then to exactly
// pass.ShortName. (Any such prefix held.)
func TestPassLogNameIsExactlyAsShortened(t *testing.T) {
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

// A genuine pass holds after its employer was renamed and updated 63
// times more. (Looking back over at most 64 versions, it was called
// forged.)
func TestPassLogNameAfterManyEmployerVersions(t *testing.T) {
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

// A forged pass (pinned key) for a certificate that does not exist, at a
// status index outside the list, is called forged: the log is read even
// when the list check fails. (It was "could not be checked".)
func TestPassLogForgeryOutsideTheListIsForged(t *testing.T) {
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
func TestPassLogWorseStatusIsRanked(t *testing.T) {
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
func TestPassLogLaggingReplicaWaitsForSync(t *testing.T) {
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

// After the issuer corrects a certificate's scope (a new version), a pass
// resting on the old version (one issued before, or one a leaked key signs
// now) does not hold: it shows a scope the registry withdrew. (It held:
// only the version at its seq was compared.)
func TestPassLogSupersededVersion(t *testing.T) {
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

// Long multi-byte names (shortened with "…"), a rename, a later
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
