package federation_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/corfed/corfed/equivalence"
	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// editDecision returns an edit of a proof's claims that changes its
// decision.
func editDecision(t *testing.T, change func(*equivalence.Decision)) func(map[string]json.RawMessage) {
	return func(m map[string]json.RawMessage) {
		var d equivalence.Decision
		if err := json.Unmarshal(m["decision"], &d); err != nil {
			t.Fatal(err)
		}
		change(&d)
		setJSON(t, m, "decision", d)
	}
}

// editFreshness returns an edit of a proof's claims that changes the
// signed freshness of member j.
func editFreshness(t *testing.T, j registry.Jurisdiction, change func(*federation.Freshness)) func(map[string]json.RawMessage) {
	return func(m map[string]json.RawMessage) {
		var fs []federation.Freshness
		if err := json.Unmarshal(m["freshness"], &fs); err != nil {
			t.Fatal(err)
		}
		found := false
		for i := range fs {
			if fs[i].Jurisdiction == j {
				change(&fs[i])
				found = true
			}
		}
		if !found {
			t.Fatalf("no freshness of %s in %s", j, m["freshness"])
		}
		setJSON(t, m, "freshness", fs)
	}
}

// Every answer's proof expires when the rules say (proofExpiry), and the
// verifier holds a proof to them from what it signs: a projection (a date
// after the day it was signed in the host's zone) and an answer resting on
// a member's copy whose signed freshness says its last sync failed (or it
// was never synced) within a day of signing; any other no later than the
// end of the decision's last valid day. A proof signed for longer (by a
// node of an earlier version, or a member that leaves the rule out) does
// not hold, even before that day has passed: otherwise a projection made
// on 2026-11-25 about 2028-01-01 would still hold on 2028-01-01 after the
// certificate was revoked in between.
func TestProofExpiryFollowsTheRules(t *testing.T) {
	ms, trust := startFederation(t, []registry.Jurisdiction{"CA-AB", "CA-BC"})
	ab, bc := ms["CA-AB"], ms["CA-BC"]
	keys := federation.TrustKeys(trust)
	ask := func(m *member, q equivalence.Question) federation.Answer {
		t.Helper()
		a, err := m.lk.Recognize(t.Context(), q)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	q := equivalence.Question{BN: "812345676", Host: "CA-AB", Sector: "construction", Use: "work", On: registry.MustDate("2026-11-25")}
	projQ := q
	projQ.On = registry.MustDate("2028-01-01")
	projection := ask(ab, projQ)
	own := ask(ab, q)      // CA-AB's own records
	fromPeer := ask(bc, q) // CA-AB's records, from CA-BC's copy
	refusalQ := q
	refusalQ.Host = "CA-BC"
	refusal := ask(bc, refusalQ)
	if projection.Decision.Outcome != equivalence.Recognized || own.Decision.Outcome != equivalence.Recognized ||
		fromPeer.Decision.Outcome != equivalence.Recognized || refusal.Decision.Outcome != equivalence.NotRecognized {
		t.Fatalf("setup: %s %s %s %s", projection.Decision.Outcome, own.Decision.Outcome, fromPeer.Decision.Outcome, refusal.Decision.Outcome)
	}
	// The end of the decision's last valid day in the host's zone.
	vu := projection.Decision.ValidUntil
	end := time.Date(vu.Year(), vu.Month(), vu.Day()+1, 0, 0, 0, 0, node.Zone("CA-AB")).Unix()
	iat := nodetest.Now.Unix()
	setExp := func(exp int64) func(map[string]json.RawMessage) {
		return func(m map[string]json.RawMessage) { setJSON(t, m, "exp", exp) }
	}
	both := func(edits ...func(map[string]json.RawMessage)) func(map[string]json.RawMessage) {
		return func(m map[string]json.RawMessage) {
			for _, e := range edits {
				e(m)
			}
		}
	}
	failed := editFreshness(t, "CA-AB", func(f *federation.Freshness) { f.LastError = "sync CA-AB: connection refused" })
	const day = 24 * 3600
	for _, tc := range []struct {
		name  string
		m     *member
		a     federation.Answer
		edit  func(map[string]json.RawMessage) // nil: the honest proof
		at    time.Time
		holds bool
	}{
		{"honest projection", ab, projection, nil, nodetest.Now.Add(time.Hour), true},
		{"projection expiring with the decision, the next hour", ab, projection, setExp(end), nodetest.Now.Add(time.Hour), false},
		{"projection expiring with the decision, on the date asked", ab, projection, setExp(end), time.Date(2028, 1, 1, 12, 0, 0, 0, time.UTC), false},
		{"projection for a day and the clock skew", ab, projection, setExp(iat + day + 30), nodetest.Now.Add(time.Hour), true},
		{"projection for a day and a minute", ab, projection, setExp(iat + day + 60), nodetest.Now.Add(time.Hour), false},
		{"honest recognition about today", ab, own, nil, nodetest.Now.Add(time.Hour), true},
		{"recognition two days past its last valid day", ab, own, setExp(end + 2*day), nodetest.Now.Add(time.Hour), false},
		{"honest refusal", bc, refusal, nil, nodetest.Now.Add(time.Hour), true},
		{"refusal for a week", bc, refusal, setExp(iat + 7*day), nodetest.Now.Add(time.Hour), false},
		{"honest recognition from a fresh copy", bc, fromPeer, nil, nodetest.Now.Add(time.Hour), true},
		{"copy whose last sync failed, expiring with the decision", bc, fromPeer, failed, nodetest.Now.Add(time.Hour), false},
		{"copy whose last sync failed, expiring in a day", bc, fromPeer, both(failed, setExp(iat+day)), nodetest.Now.Add(time.Hour), true},
		{"copy never synced, expiring with the decision", bc, fromPeer, editFreshness(t, "CA-AB", func(f *federation.Freshness) { f.LastSuccess = time.Time{}; f.AgeSeconds = -1 }), nodetest.Now.Add(time.Hour), false},
		{"copy ten minutes old, expiring with the decision", bc, fromPeer, editFreshness(t, "CA-AB", func(f *federation.Freshness) { f.AgeSeconds = 600 }), nodetest.Now.Add(time.Hour), true},
		{"copy ten minutes old, expiring in a day", bc, fromPeer, both(editFreshness(t, "CA-AB", func(f *federation.Freshness) { f.AgeSeconds = 600 }), setExp(iat+day)), nodetest.Now.Add(time.Hour), true},
		{"copy marked as the signer's own", bc, fromPeer, both(failed, editFreshness(t, "CA-AB", func(f *federation.Freshness) { f.Self = true })), nodetest.Now.Add(time.Hour), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			proof := tc.a.Proof
			if tc.edit != nil {
				proof = reSign(t, tc.m, proof, tc.edit)
			}
			c, err := federation.VerifyProof(proof, keys, tc.at)
			switch {
			case tc.holds && err != nil:
				t.Fatalf("does not hold on %s: %v", tc.at.Format(time.RFC3339), err)
			case !tc.holds && err == nil:
				t.Fatalf("holds on %s: signed %s, %s on %s, expires %s", tc.at.Format(time.RFC3339),
					time.Unix(c.Iat, 0).UTC().Format(time.RFC3339), c.Decision.Outcome, c.Question.On, time.Unix(c.Exp, 0).UTC().Format(time.RFC3339))
			case !tc.holds && (!errors.Is(err, registry.ErrUnverified) || !strings.Contains(err.Error(), "the proof's expiry is longer than the rules allow")):
				t.Fatalf("refused, but not for its expiry: %v", err)
			case !tc.holds:
				t.Logf("refused: %v", err)
			}
		})
	}
}

// The reasons and conditions a proof signs are re-derived, whatever the
// outcome: each must be one the records it carries give (the same code,
// citing the same records, each carried), and what VerifyProof returns
// (what corfed verify prints and POST /v1/verify answers) is the texts
// Decide gives, in the question's language, not the signed ones. Without
// it a member could sign a refusal saying an employer's active COR "was
// revoked for falsified audit records", or a condition the reader must
// confirm as "already confirmed". The texts themselves are not compared
// (they change between versions; codes are stable), and a proof shaped as
// an earlier version made it (no party signatures for the agreements a
// refusal cites, no projection reason) still holds.
func TestProofReasonsAndConditionsAreReDerived(t *testing.T) {
	ms, trust := startFederation(t, []registry.Jurisdiction{"CA-AB", "CA-BC", "CA-MB"})
	keys := federation.TrustKeys(trust)
	terms := threeParty(t, "cond-2025")
	for i := range terms.Hosts {
		if terms.Hosts[i].Host == "CA-MB" {
			terms.Hosts[i].Conditions = []string{registry.CondNoPermanentOfficeInHost}
		}
	}
	signedAgreement(t, ms, terms)
	bc, mb := ms["CA-BC"], ms["CA-MB"]
	ask := func(m *member, q equivalence.Question) federation.Answer {
		t.Helper()
		a, err := m.lk.Recognize(t.Context(), q)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	// A refusal in CA-BC (bids only under cond-2025), a conditional
	// recognition in CA-MB (no permanent office there, which no record
	// shows), in English and French, and a projection.
	refusal := ask(bc, equivalence.Question{BN: "812345676", Host: "CA-BC", Sector: "construction", Use: "work", On: registry.MustDate("2026-11-25")})
	condQ := equivalence.Question{BN: "812345676", Host: "CA-MB", Sector: "construction", Use: "bid", On: registry.MustDate("2026-11-25")}
	conditional := ask(mb, condQ)
	condQ.Lang = equivalence.French
	conditionalFR := ask(mb, condQ)
	condQ.Lang, condQ.On = equivalence.English, registry.MustDate("2027-01-15")
	projection := ask(mb, condQ)
	if got := codes(refusal.Decision); refusal.Decision.Outcome != equivalence.NotRecognized || strings.Join(got, " ") != "no_basis agreement_unsigned use_not_allowed" {
		t.Fatalf("setup: refusal %s %v", refusal.Decision.Outcome, got)
	}
	for _, a := range []federation.Answer{conditional, conditionalFR, projection} {
		if a.Decision.Outcome != equivalence.Conditional || len(a.Decision.Conditions) != 1 || a.Decision.Conditions[0].Met {
			t.Fatalf("setup: %s %+v", a.Decision.Outcome, a.Decision.Conditions)
		}
	}
	if last := projection.Decision.Reasons[len(projection.Decision.Reasons)-1]; last.Code != equivalence.ReasonProjection {
		t.Fatalf("setup: projection reasons %v", codes(projection.Decision))
	}
	var cert, condAg registry.Ref
	for _, r := range refusal.Decision.Reasons {
		switch r.Code {
		case equivalence.ReasonAgreementUnsigned:
			cert = r.Refs[0]
		case equivalence.ReasonUseNotAllowed:
			condAg = r.Refs[1]
		}
	}
	reason := func(code string) func(*equivalence.Decision) *equivalence.Reason {
		return func(d *equivalence.Decision) *equivalence.Reason {
			for i := range d.Reasons {
				if d.Reasons[i].Code == code {
					return &d.Reasons[i]
				}
			}
			t.Fatalf("no reason %s in %v", code, codes(*d))
			return nil
		}
	}
	useNotAllowed := reason(equivalence.ReasonUseNotAllowed)
	// The texts of these say what the records carried show, which is less
	// than the answering node held (agreement_unsigned names the parties
	// whose signatures the proof does not carry); their codes and cited
	// records are the honest answer's.
	asCarried := map[string]bool{"refusal without the agreements' party signatures (an earlier version's)": true}
	for _, tc := range []struct {
		name   string
		m      *member
		a      federation.Answer
		edit   func(map[string]json.RawMessage)
		holds  bool
		refuse string // in the error when it does not hold
	}{
		{"refusal as signed", bc, refusal, nil, true, ""},
		{"refusal saying the active certificate was revoked for fraud", bc, refusal, editDecision(t, func(d *equivalence.Decision) {
			d.Reasons = []equivalence.Reason{{Code: equivalence.ReasonCertificateRevoked, Text: "The employer's COR " + cert.ID + " was revoked for falsified audit records.", Refs: []registry.Ref{cert}}}
		}), false, "reason certificate_revoked"},
		{"refusal with its codes and a defaming text", bc, refusal, editDecision(t, func(d *equivalence.Decision) {
			d.Reasons[0].Text = "The employer's COR was revoked for falsified audit records."
			useNotAllowed(d).Text = "The employer was caught falsifying audit records."
		}), true, ""},
		{"reason citing a record the proof does not carry", bc, refusal, editDecision(t, func(d *equivalence.Decision) {
			r := useNotAllowed(d)
			r.Refs = append(r.Refs, registry.Ref{Iss: "CA-AB", Kind: registry.KindCertificate, ID: "ACSA-99999999", Ver: 1, Seq: 99})
		}), false, "does not carry"},
		{"reason citing another carried record", bc, refusal, editDecision(t, func(d *equivalence.Decision) {
			reason(equivalence.ReasonAgreementUnsigned)(d).Refs = []registry.Ref{cert, condAg}
		}), false, "reason agreement_unsigned"},
		{"another reason about a signed agreement", bc, refusal, editDecision(t, func(d *equivalence.Decision) {
			useNotAllowed(d).Code = equivalence.ReasonSectorMismatch
		}), false, "reason sector_mismatch"},
		{"refusal without the agreements' party signatures (an earlier version's)", bc, refusal, func(m map[string]json.RawMessage) {
			delete(m, "party_signatures")
		}, true, ""},
		{"earlier version's refusal with another reason about the agreement", bc, refusal, func(m map[string]json.RawMessage) {
			delete(m, "party_signatures")
			editDecision(t, func(d *equivalence.Decision) { useNotAllowed(d).Code = equivalence.ReasonSectorMismatch })(m)
		}, false, "reason sector_mismatch"},
		{"conditional as signed", mb, conditional, nil, true, ""},
		{"condition to confirm said to be confirmed", mb, conditional, editDecision(t, func(d *equivalence.Decision) {
			d.Conditions[0].Text = "Already confirmed by CA-MB: no action needed."
		}), true, ""},
		{"French condition in other words", mb, conditionalFR, editDecision(t, func(d *equivalence.Decision) {
			d.Conditions[0].Text = "Déjà confirmé : aucune action requise."
			d.Reasons[0].Text = "Reconnu sans condition."
		}), true, ""},
		{"recognition with a made-up correction", mb, conditional, editDecision(t, func(d *equivalence.Decision) {
			d.Reasons = append(d.Reasons, equivalence.Reason{Code: equivalence.ReasonHistoryCorrected, Text: "The certificate's history was corrected for fraud.", Refs: []registry.Ref{cert}})
		}), false, "reason history_corrected"},
		{"projection reason about today", mb, conditional, editDecision(t, func(d *equivalence.Decision) {
			d.Reasons = append(d.Reasons, equivalence.Reason{Code: equivalence.ReasonProjection, Text: "a projection"})
		}), false, "projection_from_today"},
		{"projection as signed", mb, projection, nil, true, ""},
		{"projection without its reason (an earlier version's)", mb, projection, editDecision(t, func(d *equivalence.Decision) {
			d.Reasons = d.Reasons[:len(d.Reasons)-1]
		}), true, ""},
		{"projection reason in other words", mb, projection, editDecision(t, func(d *equivalence.Decision) {
			d.Reasons[len(d.Reasons)-1].Text = "Valid for good."
		}), true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			proof := tc.a.Proof
			if tc.edit != nil {
				proof = reSign(t, tc.m, proof, tc.edit)
			}
			c, err := federation.VerifyProof(proof, keys, nodetest.Now.Add(time.Hour))
			if !tc.holds {
				if err == nil {
					t.Fatalf("holds, with reasons %+v", c.Decision.Reasons)
				}
				if !errors.Is(err, registry.ErrUnverified) || !strings.Contains(err.Error(), tc.refuse) {
					t.Fatalf("refused, but not for %q: %v", tc.refuse, err)
				}
				t.Logf("refused: %v", err)
				return
			}
			if err != nil {
				t.Fatalf("does not hold: %v", err)
			}
			if asCarried[tc.name] {
				got, want := c.Decision.Reasons, tc.a.Decision.Reasons
				same := len(got) == len(want)
				for i := 0; same && i < len(got); i++ {
					same = got[i].Code == want[i].Code && reflect.DeepEqual(got[i].Refs, want[i].Refs) && got[i].Text != ""
				}
				if !same {
					t.Errorf("reasons returned as verified:\n%+v\nwant the codes and records of:\n%+v", got, want)
				}
				return
			}
			// What holds is what the records give, in the question's
			// language: the honest answer's reasons and conditions.
			if !reflect.DeepEqual(c.Decision.Reasons, tc.a.Decision.Reasons) {
				t.Errorf("reasons returned as verified:\n%+v\nwant what the records give:\n%+v", c.Decision.Reasons, tc.a.Decision.Reasons)
			}
			if !reflect.DeepEqual(c.Decision.Conditions, tc.a.Decision.Conditions) {
				t.Errorf("conditions returned as verified:\n%+v\nwant what the records give:\n%+v", c.Decision.Conditions, tc.a.Decision.Conditions)
			}
		})
	}
}

// TestRefusalReasonsAreReDerived is review s25-s's case: CA-BC re-signs
// its honest refusal of 812345676 (no_basis, agreement_unsigned) with the
// reason "certificate_revoked ... for falsified audit records", citing
// the employer's certificate, which the proof carries and which is
// active.
func TestRefusalReasonsAreReDerived(t *testing.T) {
	ms, trust := startFederation(t, []registry.Jurisdiction{"CA-AB", "CA-BC"})
	bc := ms["CA-BC"]
	q := equivalence.Question{BN: "812345676", Host: "CA-BC", Sector: "construction", Use: "work", On: registry.MustDate("2026-11-25")}
	a, err := bc.lk.Recognize(t.Context(), q)
	if err != nil {
		t.Fatal(err)
	}
	if a.Decision.Outcome != equivalence.NotRecognized {
		t.Fatalf("honest answer: %s", a.Decision.Outcome)
	}
	var cert registry.Ref
	for _, e := range a.Evidence {
		if e.Kind == registry.KindCertificate {
			cert = e.Ref
		}
	}
	forged := reSign(t, bc, a.Proof, editDecision(t, func(d *equivalence.Decision) {
		*d = equivalence.Decision{Outcome: equivalence.NotRecognized,
			Reasons: []equivalence.Reason{{Code: "certificate_revoked", Text: "The employer's COR " + cert.ID + " was revoked for falsified audit records.", Refs: []registry.Ref{cert}}}}
	}))
	c, err := federation.VerifyProof(forged, federation.TrustKeys(trust), nodetest.Now)
	if err == nil {
		t.Fatalf("a refusal saying %q, citing certificate %s which the proof carries as active, holds offline (the honest reasons: %v)",
			c.Decision.Reasons[0].Text, cert.ID, codes(a.Decision))
	}
	t.Logf("refused: %v", err)
}

// TestProjectionProofWithLongExpiryIsRefused is review s25-s's case: CA-AB
// signs its own honest projection's claims with the decision's expiry; on
// 2028-01-01 the proof signed 2026-11-25 must not hold (the certificate
// was revoked in between).
func TestProjectionProofWithLongExpiryIsRefused(t *testing.T) {
	ms, trust := startFederation(t, []registry.Jurisdiction{"CA-AB", "CA-BC"})
	ab := ms["CA-AB"]
	q := equivalence.Question{BN: "812345676", Host: "CA-AB", Sector: "construction", Use: "work", On: registry.MustDate("2028-01-01")}
	a, err := ab.lk.Recognize(t.Context(), q)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ab.n.ChangeStatus(t.Context(), nodetest.Admin(), "ACSA-20250417", node.StatusRequest{Action: registry.ActionRevoke, Reason: "fraud"}); err != nil {
		t.Fatal(err)
	}
	vu := a.Decision.ValidUntil
	exp := time.Date(vu.Year(), vu.Month(), vu.Day()+1, 0, 0, 0, 0, time.UTC).Unix()
	long := reSign(t, ab, a.Proof, func(m map[string]json.RawMessage) { setJSON(t, m, "exp", exp) })
	at := time.Date(2028, 1, 1, 12, 0, 0, 0, time.UTC)
	if c, err := federation.VerifyProof(long, federation.TrustKeys(trust), at); err == nil {
		t.Errorf("on %s a projection signed %s (%s on %s) with expiry %s holds; proofExpiry gives a projection one day",
			at.Format(time.DateOnly), time.Unix(c.Iat, 0).UTC().Format(time.DateOnly), c.Decision.Outcome, c.Question.On, time.Unix(c.Exp, 0).UTC().Format(time.DateOnly))
	}
}
