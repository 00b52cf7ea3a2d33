package node

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/corfed/corfed/registry"
)

// AuditID is the id the node gives an audit recorded without one: the CP,
// the employer, the last on-site day and the type, so that recording the
// same audit twice is a conflict rather than a duplicate.
func AuditID(a registry.Audit) string {
	return "AUD-" + a.CP + "-" + a.EmployerBN + "-" + strings.ReplaceAll(a.OnsiteEnd.String(), "-", "") + "-" + a.Type
}

func auditKeys(a registry.Audit) []registry.IndexKey {
	keys := []registry.IndexKey{{Name: "bn", Value: a.EmployerBN}, {Name: "cert", Value: a.Certificate}}
	for _, id := range a.Auditors {
		keys = append(keys, registry.IndexKey{Name: "auditor", Value: id})
	}
	return keys
}

// programIndexKeys returns the index keys of the program operation kinds
// (see IndexKeys): replicas index audits and QA reviews by auditor, so the
// national registry counts an auditor's audits everywhere.
func programIndexKeys(e registry.Entry) ([]registry.IndexKey, error) {
	switch e.Kind {
	case registry.KindAudit:
		a, err := decode[registry.Audit](e)
		if err != nil {
			return nil, err
		}
		return auditKeys(a), nil
	case registry.KindQAReview:
		q, err := decode[registry.QAReview](e)
		if err != nil {
			return nil, err
		}
		return qaKeys(q), nil
	case registry.KindReview:
		r, err := decode[registry.Review](e)
		if err != nil {
			return nil, err
		}
		return reviewKeys(r), nil
	case registry.KindStopWork:
		o, err := decode[registry.StopWorkOrder](e)
		if err != nil {
			return nil, err
		}
		return []registry.IndexKey{{Name: "bn", Value: o.EmployerBN}}, nil
	case registry.KindRemoval:
		r, err := decode[registry.Removal](e)
		if err != nil {
			return nil, err
		}
		return removalKeys(r), nil
	}
	return nil, nil
}

// RecordAudit records an audit and the node's verdict on it under its
// program's rules. A CP records only its own audits. It is refused (and
// nothing is stored) when the program, employer, CP or named certificate
// is unknown, the employer is not eligible for the program, or an auditor
// is not certified on the audit's dates or breaks an independence rule;
// an audit that fails a score or deadline rule is stored with passed
// false and the rules it breaks.
func (n *Node) RecordAudit(ctx context.Context, p Principal, a registry.Audit) (registry.Entry, error) {
	if err := p.require(ScopeAudits); err != nil {
		return registry.Entry{}, err
	}
	if p.Role == RoleCP && a.CP != p.CP {
		return registry.Entry{}, fmt.Errorf("CP %s may not record audits for %s: %w", p.CP, a.CP, registry.ErrForbidden)
	}
	a.Jurisdiction, a.RecordedBy = n.cfg.Jurisdiction, p.Subject
	a.Passed, a.Reasons, a.TermMonths, a.ReceivedOn = false, nil, 0, registry.Date{}
	today := n.Today()
	if p.Role != RoleAdmin {
		// A CP's report reaches the program when the node records it,
		// whatever date it bears (Audit.ReceivedOn).
		a.ReceivedOn = today
	}
	if err := registry.JoinInvalid(a.Validate(), auditTiming(p, a, today)); err != nil {
		return registry.Entry{}, err
	}
	if a.ID == "" {
		a.ID = AuditID(a)
	}
	prog, err := n.Program(ctx, a.Program)
	if err != nil {
		return registry.Entry{}, registry.Invalid("body.program", "no program %q in %s", a.Program, n.cfg.Jurisdiction)
	}
	if a.Instrument == "" {
		a.Instrument = prog.Instrument
	}
	var evalErr error
	a.Passed, a.Reasons, a.TermMonths, evalErr = prog.Evaluate(a)
	days := prog.DeadlineFor(a.CP).SubmitDays
	a.ReportDeadlineDays = &days
	for try := 1; ; try++ {
		// The auditors' and the type's problems, reported with those of the
		// records the audit names, which are read where the write is
		// ordered. The auditors' standing is read outside it: the write
		// checks that no standing write landed meanwhile (standingGuard),
		// and else the audit is checked again.
		mark := n.standing.mark()
		rulesErr := registry.JoinInvalid(n.checkAuditors(ctx, prog, a), evalErr)
		e, err := n.commit(ctx, registry.KindAudit, a.ID, nil, func(l feedReader, prev *registry.Entry) (any, []registry.IndexKey, error) {
			if n.standing.moved(mark) {
				return nil, nil, errStandingMoved
			}
			// Every problem at once; then whether it is a duplicate.
			if err := registry.JoinInvalid(rulesErr, n.checkAuditRefs(l, prog, a)); err != nil {
				return nil, nil, err
			}
			if prev != nil {
				return nil, nil, registry.Conflict("audit %s is already recorded", a.ID)
			}
			return a, auditKeys(a), nil
		})
		if !errors.Is(err, errStandingMoved) {
			return e, err
		}
		if try == maxStandingTries {
			return e, registry.Conflict("the auditor registry changed %d times while audit %s was checked; send it again", try, a.ID)
		}
	}
}

// ownAuditID reports whether id is in CP cp's space: AUD-<cp>-…, or
// <cp>-… when it is not an AUD- id (a CP called AUD would otherwise own
// every id the node derives).
func ownAuditID(id, cp string) bool {
	if strings.HasPrefix(id, "AUD-") {
		return strings.HasPrefix(id, "AUD-"+cp+"-")
	}
	return strings.HasPrefix(id, cp+"-")
}

// auditTiming refuses an audit dated after today (the node's date in its
// jurisdiction): an audit is recorded once it took place and its report
// was written, so a "passed" maintenance audit cannot keep a certificate
// alive on a promise. A CP's own id for an audit must also be in its
// space (ownAuditID), so that it cannot take the id the node would derive
// for another CP's audit and block it.
func auditTiming(p Principal, a registry.Audit, today registry.Date) error {
	var errs []error
	for _, d := range []struct {
		field string
		on    registry.Date
	}{{"body.onsite_start", a.OnsiteStart}, {"body.onsite_end", a.OnsiteEnd}, {"body.submitted_on", a.SubmittedOn}} {
		if d.on.After(today) {
			errs = append(errs, registry.Invalid(d.field, "%s is after today (%s): an audit is recorded once it has taken place and its report is written", d.on, today))
		}
	}
	if p.Role != RoleAdmin && a.ID != "" && registry.ValidID(a.ID) && !ownAuditID(a.ID, a.CP) {
		errs = append(errs, registry.Invalid("body.id", "a CP's audit id starts with AUD-%s- or %s- (or leave it out: the node gives %s)", a.CP, a.CP, AuditID(a)))
	}
	return registry.JoinInvalid(errs...)
}

// checkAuditRefs checks the records an audit names, in the node's feed,
// and reports every problem at once.
func (n *Node) checkAuditRefs(l feedReader, prog registry.Program, a registry.Audit) error {
	var errs []error
	ee, ok, err := exists(l, registry.KindEmployer, a.EmployerBN)
	if err != nil {
		return err
	}
	if !ok {
		errs = append(errs, registry.Invalid("body.employer_bn", "employer %s is not registered on this node (%s)", a.EmployerBN, n.cfg.Jurisdiction))
	} else {
		emp, err := decode[registry.Employer](ee)
		if err != nil {
			return err
		}
		if len(prog.SizeBands) > 0 && !slices.Contains(prog.SizeBands, emp.SizeBand) {
			errs = append(errs, registry.Invalid("body.program", "employer %s (size band %q) is not eligible for %s (size bands %s)", a.EmployerBN, emp.SizeBand, prog.ID, strings.Join(prog.SizeBands, ", ")))
		}
		if prog.MaxEmployees > 0 && emp.EmployeeCount > prog.MaxEmployees {
			errs = append(errs, registry.Invalid("body.program", "employer %s has %d employees; %s is for at most %d", a.EmployerBN, emp.EmployeeCount, prog.ID, prog.MaxEmployees))
		}
	}
	ce, ok, err := exists(l, registry.KindCP, a.CP)
	if err != nil {
		return err
	}
	if !ok {
		errs = append(errs, registry.Invalid("body.cp", "%s is not a certifying partner of %s", a.CP, n.cfg.Jurisdiction))
	} else if cp, err := decode[registry.CertifyingPartner](ce); err != nil {
		return err
	} else if cp.Status != registry.CPActive {
		errs = append(errs, registry.Invalid("body.cp", "certifying partner %s is %s, not active", a.CP, cp.Status))
	} else if err := n.cpLapse(l, ce, cp, a.OnsiteStart, a.OnsiteEnd, "body.cp", "the audit's on-site day"); errors.Is(err, registry.ErrInvalid) {
		errs = append(errs, err)
	} else if err != nil {
		return err
	}
	if a.Certificate != "" {
		ce, ok, err := exists(l, registry.KindCertificate, a.Certificate)
		if err != nil {
			return err
		}
		if !ok {
			return registry.JoinInvalid(append(errs, registry.Invalid("body.certificate", "no certificate %q on this node", a.Certificate))...)
		}
		c, err := decode[registry.Certificate](ce)
		if err != nil {
			return err
		}
		if c.EmployerBN != a.EmployerBN || c.Issuer != a.CP {
			errs = append(errs, registry.Invalid("body.certificate", "certificate %s is %s's, issued by %s, not %s's by %s", c.ID, c.EmployerBN, c.Issuer, a.EmployerBN, a.CP))
		}
		// An audit of a certificate is judged by the certificate's own
		// program: a COR maintenance audit (60%) must not maintain an
		// ECOR certificate (80%).
		if want := cmpOr(c.ProgramDefinition, c.Program); a.Program != want {
			errs = append(errs, registry.Invalid("body.program", "certificate %s is under program %s; an audit of it is too, not %s", c.ID, want, a.Program))
		}
	}
	return registry.JoinInvalid(errs...)
}

// checkAuditors refuses an audit by an auditor who is not certified (or a
// candidate) on every on-site day with a credential usable for its CP, or
// who breaks one of the program's independence rules. At least one
// auditor must be certified. It reports one problem per auditor, for
// every auditor at once.
//
// Credentials run in one period each, so the first and last days judge
// them; a suspension can start and end inside the audit, so the days any
// body's discipline or an On-Site Audit Review changed the auditor's
// standing inside the audit are judged too (no more lookups than those
// records hold, however long the audit claims to be).
func (n *Node) checkAuditors(ctx context.Context, prog registry.Program, a registry.Audit) error {
	certified := false
	var errs []error
	for i, id := range a.Auditors {
		f := fmt.Sprintf("body.auditors[%d]", i)
		last, err := n.Auditor(ctx, id, a.OnsiteEnd)
		if err != nil {
			errs = append(errs, registry.Invalid(f, "auditor %s is not in the national registry", id))
			continue
		}
		for _, day := range onsiteDays(a, last) {
			v := last
			if day != a.OnsiteEnd {
				if v, err = n.Auditor(ctx, id, day); err != nil {
					return err
				}
			}
			ok, err := checkAuditorOn(prog, a, f, v, day, n.cfg.Jurisdiction)
			if err != nil {
				errs = append(errs, err)
				break
			}
			certified = certified || ok
		}
	}
	if len(errs) > 0 {
		return registry.JoinInvalid(errs...)
	}
	if !certified {
		return registry.Invalid("body.auditors", "at least one auditor must be certified on the audit's dates (rule auditor.certified); candidates only assist")
	}
	return nil
}

// onsiteDays are the days an auditor's standing is judged on for audit
// a: its first on-site day, each day inside it on which a body's
// discipline action or an On-Site Audit Review of the auditor (v, read on
// the last day) took effect, and the last day, in order, each once.
func onsiteDays(a registry.Audit, v AuditorView) []registry.Date {
	days := []registry.Date{a.OnsiteStart}
	inside := func(d registry.Date) bool { return d.After(a.OnsiteStart) && d.Before(a.OnsiteEnd) }
	for _, d := range v.Discipline {
		for _, act := range d.Actions {
			if inside(act.On) {
				days = append(days, act.On)
			}
		}
	}
	for _, q := range v.QA {
		if inside(q.On) {
			days = append(days, q.On)
		}
	}
	days = append(days, a.OnsiteEnd)
	slices.SortFunc(days, registry.Date.Compare)
	return slices.Compact(days)
}

// checkAuditorOn judges auditor v (its standing on day) for audit a, a
// CP of node self: whether it was certified that day (a candidate only
// assists), or the error at field f. The independence rules are judged on
// the last day. A peer, internal or candidate credential counts only when
// the auditor's home node (the signer of its record) is self: such a
// credential is its CP's own, so only the CP's node grants it (a record
// with another province's CP, stored before PutAuditor checked it or
// signed by a peer, counts for nothing).
func checkAuditorOn(prog registry.Program, a registry.Audit, f string, v AuditorView, day registry.Date, self registry.Jurisdiction) (bool, error) {
	id, st := v.Auditor.ID, v.Standing
	usable := ""
	for _, c := range st.Credentials {
		if c.Kind != registry.CredExternal && v.Entry.Iss != self {
			continue
		}
		if c.UsableFor(a.CP) && (c.Status == registry.AuditorCertified || c.Status == registry.AuditorCandidate) && (usable == "" || c.Status == registry.AuditorCertified) {
			usable = c.Status
		}
	}
	switch {
	case st.Status == registry.AuditorSuspended || st.Status == registry.AuditorRevoked:
		return false, registry.Invalid(f, "auditor %s is %s on %s (rule %s): %s", id, st.Status, day, st.Rule, st.Reason)
	case usable == "":
		why := st.Reason
		if st.Status == registry.AuditorCertified || st.Status == registry.AuditorCandidate {
			why = "no credential usable for " + a.CP + " (external credentials are national; peer, internal and candidate ones are their CP's own)"
		}
		return false, registry.Invalid(f, "auditor %s is not certified for %s on %s (rule %s): %s", id, a.CP, day, cmpOr(st.Rule, "auditor.certified"), why)
	}
	if day != a.OnsiteEnd {
		return false, nil
	}
	for _, r := range prog.Independence {
		if len(r.Types) > 0 && !slices.Contains(r.Types, a.Type) {
			continue
		}
		switch r.Relation {
		case "employee":
			if v.Auditor.EmployerBN == a.EmployerBN {
				return false, registry.Invalid(f, "auditor %s is employed by employer %s and may not do its %s audit (rule %s)", id, a.EmployerBN, a.Type, r.Code)
			}
		case "internal":
			ext := slices.ContainsFunc(st.Credentials, func(c registry.CredentialStanding) bool {
				return c.Kind == registry.CredExternal && c.Status == registry.AuditorCertified
			})
			if !ext && usable == registry.AuditorCertified {
				return false, registry.Invalid(f, "a %s audit needs external auditors; %s holds no external credential in force (rule %s)", a.Type, id, r.Code)
			}
		}
	}
	return usable == registry.AuditorCertified, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// Audit returns the newest version of audit id on this node.
func (n *Node) Audit(ctx context.Context, id string) (registry.Audit, registry.Entry, error) {
	e, err := n.Record(ctx, registry.KindAudit, id)
	if err != nil {
		return registry.Audit{}, e, err
	}
	a, err := decode[registry.Audit](e)
	return a, e, err
}

// applyAuditBasis applies the audit a new certificate names in basis_ref
// (CheckAuditBasis), reading the node's feed as it is now.
func (n *Node) applyAuditBasis(ctx context.Context, in *NewCertificate) error {
	return n.db.View(ctx, func(tx registry.StoreTx) error {
		return n.CheckAuditBasis(tx.Log(SelfLog), in)
	})
}

// CheckAuditBasis checks the audit certificate in names in basis_ref, in
// feed l (a registry.Log, or a mutation's feed): when that id is an audit
// recorded on this node, the audit must be a passing certifying audit of
// the same employer, CP and program, and the certificate's issue date,
// documentation months and term follow it (set in in when zero; a
// different value given is refused). A basis_ref that names no audit here
// is the CP's own reference, accepted unless the program requires audits
// on this node (Program.RequireAuditBasis), as is a certificate without
// one. The certificate's program definition (ECOR leads to a COR) is the
// audit's program; without a recorded audit, one given must be a program
// of this node that leads to the certificate's program
// (checkProgramDefinition). Errors are *registry.ValidationError naming
// body.basis_ref, body.program_definition, body.issued_on,
// body.documentation_months or body.term_months. Bulk import calls it per
// row.
func (n *Node) CheckAuditBasis(l feedReader, in *NewCertificate) error {
	if in.Basis != "" && in.Basis != registry.BasisAudit {
		return n.checkProgramDefinition(l, in)
	}
	prog, err := programIn(l, in.Program)
	if err != nil {
		return nil // the certificate's own validation names a bad program
	}
	var a registry.Audit
	found := false
	if in.BasisRef != "" && registry.ValidID(in.BasisRef) {
		ae, ok, err := exists(l, registry.KindAudit, in.BasisRef)
		if err != nil {
			return err
		}
		if ok {
			if a, err = decode[registry.Audit](ae); err != nil {
				return err
			}
			found = true
		}
	}
	if !found {
		if prog.RequireAuditBasis {
			if in.BasisRef == "" {
				return registry.Invalid("body.basis_ref", "%s's %s program requires a certificate to name the passing audit it is based on (require_audit_basis)", n.cfg.Jurisdiction, prog.ID)
			}
			return registry.Invalid("body.basis_ref", "no audit %q recorded on this node, and %s's %s program requires one (require_audit_basis)", in.BasisRef, n.cfg.Jurisdiction, prog.ID)
		}
		return n.checkProgramDefinition(l, in)
	}
	ap, err := programIn(l, a.Program)
	if err != nil {
		return err
	}
	switch {
	case a.EmployerBN != in.EmployerBN:
		return registry.Invalid("body.basis_ref", "audit %s is of employer %s, not %s", a.ID, a.EmployerBN, in.EmployerBN)
	case a.CP != in.Issuer:
		return registry.Invalid("body.basis_ref", "audit %s was recorded by %s, not %s", a.ID, a.CP, in.Issuer)
	case !slices.Contains(registry.CertifyingTypes, a.Type):
		return registry.Invalid("body.basis_ref", "audit %s is a %s audit; a certificate is based on a %s audit", a.ID, a.Type, strings.Join(registry.CertifyingTypes, ", "))
	case ap.Certifies != in.Program:
		return registry.Invalid("body.basis_ref", "audit %s is under program %s, which leads to %s, not %s", a.ID, a.Program, ap.Certifies, in.Program)
	case !a.Passed:
		var why []string
		for _, r := range a.Reasons {
			why = append(why, r.Rule+": "+r.Detail)
		}
		return registry.Invalid("body.basis_ref", "audit %s did not pass (%s); a certificate must name a passing audit", a.ID, strings.Join(why, "; "))
	case in.ProgramDefinition != "" && in.ProgramDefinition != a.Program:
		return registry.Invalid("body.program_definition", "audit %s is under program %s, not %s", a.ID, a.Program, in.ProgramDefinition)
	}
	in.ProgramDefinition = a.Program
	if in.ProgramDefinition == in.Program {
		in.ProgramDefinition = "" // the certificate's own program: stored once
	}
	if in.IssuedOn.IsZero() {
		in.IssuedOn = a.OnsiteEnd
	} else if in.IssuedOn != a.OnsiteEnd {
		return registry.Invalid("body.issued_on", "a certificate based on audit %s is issued on its last on-site day, %s, not %s", a.ID, a.OnsiteEnd, in.IssuedOn)
	}
	if in.DocMonths == 0 {
		in.DocMonths = a.DocMonths
	} else if in.DocMonths != a.DocMonths {
		return registry.Invalid("body.documentation_months", "audit %s records %d months of documentation, not %d", a.ID, a.DocMonths, in.DocMonths)
	}
	if in.TermMonths == 0 {
		in.TermMonths = a.TermMonths
	} else if in.TermMonths != a.TermMonths {
		return registry.Invalid("body.term_months", "with %d months of documentation the term is %d months (program %s), not %d", a.DocMonths, a.TermMonths, a.Program, in.TermMonths)
	}
	return nil
}

// checkProgramDefinition checks the program definition a certificate names
// when no audit recorded here gives it: a program of this node (published,
// or built in) that leads to the certificate's program. Naming the
// certificate's own program is the same as naming none.
func (n *Node) checkProgramDefinition(l feedReader, in *NewCertificate) error {
	id := in.ProgramDefinition
	if id == "" || id == in.Program {
		in.ProgramDefinition = ""
		return nil
	}
	if !registry.ValidCode(id) {
		return nil // the certificate's own validation names it
	}
	p, err := programIn(l, id)
	if errors.Is(err, registry.ErrNotFound) {
		return registry.Invalid("body.program_definition", "%s has no program %q", n.cfg.Jurisdiction, id)
	}
	if err != nil {
		return err
	}
	if p.Certifies != in.Program {
		return registry.Invalid("body.program_definition", "program %s of %s leads to %s, not %s", id, n.cfg.Jurisdiction, p.Certifies, in.Program)
	}
	return nil
}
