package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/corfed/corfed/equivalence"
	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
)

// demoProgram shows a province running its program: BC's administrator
// issues a reciprocity letter (its cap counts from the letter's issue date,
// and answers cite it), and AB's administrator records a suspension
// discovered late, as a correction of the status history (answers about
// the past change and say so; the proof made before still verifies).
func demoProgram(ctx context.Context, w io.Writer, byJ map[registry.Jurisdiction]*demoNode, trust *federation.Trust, today registry.Date) {
	ab, bc := byJ["CA-AB"], byJ["CA-BC"]
	if ab == nil || bc == nil {
		return
	}
	admin := node.Principal{Subject: "demo-admin", Role: node.RoleAdmin, Scopes: node.AllScopes}
	verify := func(a federation.Answer) string {
		if _, err := federation.VerifyProof(a.Proof, federation.TrustKeys(trust), time.Now()); err != nil {
			return "PROOF DOES NOT VERIFY: " + err.Error()
		}
		return "proof verifies offline"
	}
	show := func(what string, d *demoNode, q equivalence.Question) (federation.Answer, bool) {
		a, err := federation.NewLookups(d.fed).Recognize(ctx, q)
		if err != nil {
			fmt.Fprintf(w, "lookup %s: error: %v\n", what, err)
			return a, false
		}
		dec := a.Decision
		codes := make([]string, len(dec.Reasons))
		for i, r := range dec.Reasons {
			codes[i] = r.Code
		}
		fmt.Fprintf(w, "lookup %s (asked %s): %s", what, d.j, dec.Outcome)
		if dec.Basis != "" {
			fmt.Fprintf(w, " via %s, valid %s to %s", dec.Basis, dec.ValidFrom, dec.ValidUntil)
		}
		fmt.Fprintf(w, " [%s]; %s\n", strings.Join(codes, ", "), verify(a))
		return a, true
	}

	// A letter: ACSA, which holds the COR, asks for it through Alberta's
	// node; BC issues it five days later, two months ago, so the 6-month
	// cap ends four months from now, not six, and the letter carries the
	// request's date (the process metrics' letter cycle).
	issued := today.AddMonths(-2)
	acsa := node.Principal{Subject: "cp:ACSA", Role: node.RoleCP, CP: "ACSA", Scopes: []string{node.ScopeCertificates}}
	r, err := ab.n.RequestLetter(node.WithPrincipal(ctx, acsa), acsa, registry.LetterRequest{EmployerBN: "812345676",
		Certificate: "ACSA-20250417", Host: "CA-BC", Kind: registry.LetterBid, RequestedOn: issued.AddDays(-5)})
	switch {
	case errors.Is(err, registry.ErrConflict):
		fmt.Fprintf(w, "letter request %s was made on an earlier run\n", registry.LetterRequestID("CA-BC", "ACSA-20250417", issued.AddDays(-5)))
	case err != nil:
		fmt.Fprintf(w, "letter request: error: %v\n", err)
	default:
		fmt.Fprintf(w, "letter request %s: ACSA asked through CA-AB's node for CA-BC's bid letter (signed by CA-AB, replicated to CA-BC)\n", r.ID)
	}
	lk := federation.NewLookups(bc.fed)
	e, err := lk.IssueLetter(ctx, admin, federation.LetterRequest{EmployerBN: "812345676", Certificate: "ACSA-20250417",
		Host: "CA-BC", Kind: registry.LetterBid, IssuedOn: issued})
	switch {
	case errors.Is(err, registry.ErrConflict):
		fmt.Fprintf(w, "letter %s was issued on an earlier run\n", registry.LetterID("CA-BC", "ACSA-20250417", issued))
	case err != nil:
		fmt.Fprintf(w, "letter: error: %v\n", err)
		return
	default:
		var l registry.Letter
		_ = decodeRecord(e, &l)
		fmt.Fprintf(w, "letter CA-BC issued %s to Prairie Steel for its Alberta COR %s (%s), requested %s (%s), issued %s, expires %s (BC's 6-month cap from its issue date)\n",
			l.ID, l.Certificate, l.Kind, l.RequestedOn, l.RequestedBy, l.IssuedOn, l.ExpiresOn)
	}
	show("Prairie Steel bidding in BC under BC's letter", bc, equivalence.Question{BN: "812345676", Host: "CA-BC", Sector: "construction", Use: "bid", On: today})
	fmt.Fprintf(w, "  curl '%s/v1/letters?bn=812345676'\n", bc.url)

	// A correction: Coulee Paving's COR (revoked 2026-04-08) was in fact
	// suspended from 2026-02-16, which AB learns only now.
	q := equivalence.Question{BN: "711223347", Host: "CA-AB", Sector: "construction", Use: "work", On: registry.MustDate("2026-03-01")}
	if corrected(ctx, ab, q) {
		// A run over a data directory the demo ran on before: there is
		// no "before" left to show.
		fmt.Fprintf(w, "correction of ACSA-20231105 was recorded on an earlier run (the lookup before it is shown on a first run)\n")
		show("Coulee Paving in Alberta on 2026-03-01, after the correction", ab, q)
		fmt.Fprintf(w, "  curl '%s/v1/certificates/ACSA-20231105/versions'\n", ab.url)
		return
	}
	before, ok := show("Coulee Paving in Alberta on 2026-03-01, before the correction", ab, q)
	if !ok {
		return
	}
	_, err = ab.n.ChangeStatus(ctx, admin, "ACSA-20231105", node.StatusRequest{Action: registry.ActionSuspend, On: registry.MustDate("2026-02-16"),
		Reason: "Employer Review opened 2026-02-16 after a fatality; reported to the program late"})
	switch {
	case errors.Is(err, registry.ErrConflict):
		fmt.Fprintf(w, "correction of ACSA-20231105 was recorded on an earlier run\n")
	case err != nil:
		fmt.Fprintf(w, "correction: error: %v\n", err)
		return
	default:
		fmt.Fprintf(w, "correction CA-AB records late that Coulee Paving's COR ACSA-20231105 was suspended from 2026-02-16 (a new signed version; the history marks it, with who and when)\n")
	}
	if a, ok := show("Coulee Paving in Alberta on 2026-03-01, after the correction", ab, q); ok {
		for _, r := range a.Decision.Reasons {
			if r.Code == equivalence.ReasonHistoryCorrected {
				fmt.Fprintf(w, "  why: %s\n", r.Text)
			}
		}
	}
	fmt.Fprintf(w, "  the proof made before the correction: %s\n", verify(before))
	fmt.Fprintf(w, "  curl '%s/v1/certificates/ACSA-20231105/versions'\n", ab.url)
}

// corrected reports whether d's answer to q already cites a corrected
// status history.
func corrected(ctx context.Context, d *demoNode, q equivalence.Question) bool {
	a, err := federation.NewLookups(d.fed).Recognize(ctx, q)
	if err != nil {
		return false
	}
	for _, r := range a.Decision.Reasons {
		if r.Code == equivalence.ReasonHistoryCorrected {
			return true
		}
	}
	return false
}

func decodeRecord(e registry.Entry, v any) error { return json.Unmarshal(e.Record, v) }
