package node

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/corfed/corfed/registry"
)

// liveKey indexes a certificate that is not in a terminal status by its
// issue date ("live"), so the lifecycle job and the maintenance list read
// the live certificates only, oldest first.
func liveKey(c registry.Certificate) []registry.IndexKey {
	if registry.Terminal(c.Status) {
		return nil
	}
	return []registry.IndexKey{{Name: "live", Value: c.IssuedOn.String()}}
}

// LifecycleBatch is how many live certificates a lifecycle run reads and
// writes the changes of at a time, oldest issue first, going through
// every live certificate in such batches (as the maintenance list does
// when it is built, maintenance.go); it also bounds the open reviews one
// run reads. A variable for the tests.
var LifecycleBatch = 5000

// LifecycleChange is one signed change the lifecycle rules require.
type LifecycleChange struct {
	Certificate string        `json:"certificate"`
	EmployerBN  string        `json:"employer_bn"`
	Action      string        `json:"action"`       // cancel, expire, propose_removal or propose_cp_suspension
	CP          string        `json:"cp,omitempty"` // the certifying partner a propose_cp_suspension is about
	Rule        string        `json:"rule"`
	EffectiveOn registry.Date `json:"effective_on"`
	Reason      string        `json:"reason"`
	ReasonFR    string        `json:"reason_fr"`
	Record      string        `json:"record"`            // the record written: the certificate, or the removal proposal
	Version     uint64        `json:"version,omitempty"` // its new version (0 in a dry run)

	proposal *registry.Removal
}

// LifecycleReport is the answer of a lifecycle run.
type LifecycleReport struct {
	RunOn   registry.Date     `json:"run_on"`
	DryRun  bool              `json:"dry_run"`
	Checked int               `json:"checked"` // live certificates and open reviews read
	Changes []LifecycleChange `json:"changes"` // the first MaxReportedChanges, in the order written
	// ChangesTotal counts every change (written, or planned in a dry run).
	ChangesTotal int `json:"changes_total"`
}

// MaxReportedChanges bounds the changes a lifecycle report lists (a
// registry imported with its history may owe tens of thousands of
// expiries on its first run). A variable for the tests.
var MaxReportedChanges = 10_000

// MaintenanceItem is a maintenance audit due (or overdue) for a live
// certificate whose audits are recorded on this node.
type MaintenanceItem struct {
	Certificate string        `json:"certificate"`
	EmployerBN  string        `json:"employer_bn"`
	Issuer      string        `json:"issuer"`
	Program     string        `json:"program"`
	Basis       string        `json:"basis"` // audit, or iso_equivalency: the proof that the ISO/CSA certification is maintained
	Year        int           `json:"year"`  // the certificate year the audit maintains (2, 3)
	WindowFrom  registry.Date `json:"window_from"`
	DueOn       registry.Date `json:"due_on"`
	// ReportBy is the last day the report of an audit on site by DueOn
	// may reach the registry (the issuer's report deadline); the
	// lifecycle cancels the certificate only after it.
	ReportBy registry.Date `json:"report_by"`
	Overdue  bool          `json:"overdue"` // DueOn has passed
}

// Maintenance states of a certificate year (MaintenanceSlot.State).
const (
	MaintenanceDone    = "done"    // a passing maintenance audit in the year's window
	MaintenanceDueSoon = "due"     // none yet; the due date has not passed
	MaintenanceOverdue = "overdue" // none, and the due date has passed
)

// MaintenanceSlot is one maintenance year of a certificate and its state
// on a date.
type MaintenanceSlot struct {
	Year       int           `json:"year"` // the certificate year the audit maintains (2, 3)
	WindowFrom registry.Date `json:"window_from"`
	DueOn      registry.Date `json:"due_on"`
	ReportBy   registry.Date `json:"report_by"`        // see MaintenanceItem.ReportBy
	State      string        `json:"state"`            // done, due or overdue
	DoneOn     registry.Date `json:"done_on,omitzero"` // the passing audit's last on-site day
	Audit      string        `json:"audit,omitempty"`  // that audit's id
}

// certPlan is what the rules say about one live certificate.
type certPlan struct {
	cert     registry.Certificate
	prog     registry.Program
	tracked  bool // based on an audit or equivalency recorded on this node: its maintenance is tracked here
	iso      bool // based on an ISO/CSA equivalency: maintenance is the proof the certification is maintained
	audit    *registry.Audit
	slots    []MaintenanceSlot
	missing  []MaintenanceItem
	expireOn registry.Date
}

// planFor derives the maintenance slots of certificate c on today.
func planFor(l registry.Log, c registry.Certificate, today registry.Date) (certPlan, error) {
	pl := certPlan{cert: c}
	progID := cmpOr(c.ProgramDefinition, c.Program)
	if c.Basis == registry.BasisAudit && c.BasisRef != "" {
		if ae, ok, err := exists(l, registry.KindAudit, c.BasisRef); err != nil {
			return pl, err
		} else if ok {
			a, err := decode[registry.Audit](ae)
			if err != nil {
				return pl, err
			}
			pl.tracked, progID, pl.audit = true, a.Program, &a
		}
	}
	if c.Basis == registry.BasisEquivalency && c.BasisRef != "" {
		if _, ok, err := exists(l, registry.KindEquivalency, c.BasisRef); err != nil {
			return pl, err
		} else if ok {
			pl.tracked, pl.iso = true, true
		}
	}
	prog, err := programIn(l, progID)
	if err != nil {
		if prog, err = programIn(l, registry.ProgramCOR); err != nil {
			return pl, err
		}
	}
	pl.prog = prog
	if pl.tracked {
		// A year is maintained by a passing maintenance audit, or by a
		// passing full external audit naming the certificate (the
		// certification or recertification audit an Employer Review
		// requires, actionDone): it meets a stricter pass rule (80/50
		// against 60) in the same window. An action plan audit is
		// narrower and does not count.
		types := []string{registry.AuditMaintenance, registry.AuditCertification, registry.AuditRecertification}
		if pl.iso {
			types, _ = prog.ISOMaintenance()
		}
		var done []registry.Audit
		refs, err := l.Lookup("cert", c.ID, false, maxAuditorRefs)
		if err != nil {
			return pl, err
		}
		for _, r := range refs {
			if r.Kind != registry.KindAudit {
				continue
			}
			e, err := l.Latest(r.Kind, r.ID)
			if err != nil {
				return pl, err
			}
			a, err := decode[registry.Audit](e)
			if err != nil {
				return pl, err
			}
			if slices.Contains(types, a.Type) && a.Passed && a.Program == prog.ID {
				done = append(done, a)
			}
		}
		slices.SortFunc(done, func(a, b registry.Audit) int { return a.OnsiteEnd.Compare(b.OnsiteEnd) })
		from := c.IssuedOn
		grace := prog.DeadlineFor(c.Issuer).SubmitDays
		for i, m := range prog.MaintenanceDueMonths {
			if c.TermMonths > 0 && m >= c.TermMonths {
				break // a 1-year certificate has no years 2 and 3: it expires
			}
			due := c.IssuedOn.AddMonths(m)
			s := MaintenanceSlot{Year: i + 2, WindowFrom: from.AddDays(1), DueOn: due, ReportBy: due.AddDays(grace), State: MaintenanceDueSoon}
			if k := slices.IndexFunc(done, func(a registry.Audit) bool { return !a.OnsiteEnd.Before(s.WindowFrom) && !a.OnsiteEnd.After(due) }); k >= 0 {
				s.State, s.DoneOn, s.Audit = MaintenanceDone, done[k].OnsiteEnd, done[k].ID
			} else {
				if today.After(due) {
					s.State = MaintenanceOverdue
				}
				pl.missing = append(pl.missing, MaintenanceItem{Certificate: c.ID, EmployerBN: c.EmployerBN, Issuer: c.Issuer, Program: prog.ID,
					Basis: c.Basis, Year: s.Year, WindowFrom: s.WindowFrom, DueOn: due, ReportBy: s.ReportBy, Overdue: s.State == MaintenanceOverdue})
			}
			pl.slots = append(pl.slots, s)
			from = due
		}
	}
	if today.After(c.ExpiresOn) {
		pl.expireOn = c.ExpiresOn.AddDays(1)
	}
	return pl, nil
}

// CertificateProgram is what a certificate's node recorded of the program
// operations behind it: the audit it rests on and its maintenance years.
type CertificateProgram struct {
	// Audit is the audit the certificate was issued on, when its node
	// recorded it (nil: the CP keeps its audits in its own system).
	Audit *registry.Audit `json:"audit,omitempty"`
	// Program is the program definition whose rules apply.
	Program string `json:"program"`
	// Tracked: the certificate's node tracks its maintenance (it rests on
	// an audit or equivalency recorded there); Maintenance is then every
	// maintenance year with its state on AsOf.
	Tracked     bool              `json:"tracked"`
	Maintenance []MaintenanceSlot `json:"maintenance"`
	AsOf        registry.Date     `json:"as_of"`
}

// CertificateProgram reads the program operations behind certificate c
// from its node's feed (this node's, or the replica of c's jurisdiction),
// with the maintenance states on asOf (zero: today).
func (n *Node) CertificateProgram(ctx context.Context, c registry.Certificate, asOf registry.Date) (CertificateProgram, error) {
	if asOf.IsZero() {
		asOf = n.Today()
	}
	out := CertificateProgram{AsOf: asOf, Maintenance: []MaintenanceSlot{}}
	name := SelfLog
	if c.Jurisdiction != n.cfg.Jurisdiction {
		name = ReplicaLog(c.Jurisdiction)
	}
	err := n.db.View(ctx, func(tx registry.StoreTx) error {
		pl, err := planFor(tx.Log(name), c, asOf)
		if err != nil {
			return err
		}
		out.Audit, out.Program, out.Tracked = pl.audit, pl.prog.ID, pl.tracked
		if pl.slots != nil {
			out.Maintenance = pl.slots
		}
		return nil
	})
	return out, err
}

// MaintenanceDue lists the maintenance audits due on or before before
// (overdue ones included) for the live certificates whose audits are
// recorded on this node, at most limit, by due date.
func (n *Node) MaintenanceDue(ctx context.Context, before registry.Date, limit int) ([]MaintenanceItem, error) {
	p, err := n.MaintenancePage(ctx, before, limit, "") // pages.go
	return p.Items, err
}

// eachLive calls fn with the live certificates after position after of
// the live index (issue date, then id), at most LifecycleBatch of them,
// and returns the position of the last one and whether more may follow.
func eachLive(l registry.Log, after registry.IndexHit, fn func(registry.Certificate) error) (last registry.IndexHit, more bool, err error) {
	var hits []registry.IndexHit
	err = l.Walk("live", "", after, func(h registry.IndexHit) bool {
		if len(hits) == LifecycleBatch {
			more = true
			return false
		}
		hits = append(hits, h)
		return true
	})
	if err != nil {
		return last, false, err
	}
	for _, h := range hits {
		last = h
		if h.Ref.Kind != registry.KindCertificate {
			continue
		}
		e, err := l.Latest(h.Ref.Kind, h.Ref.ID)
		if err != nil {
			return last, false, err
		}
		c, err := decode[registry.Certificate](e)
		if err != nil {
			return last, false, err
		}
		if err := fn(c); err != nil {
			return last, false, err
		}
	}
	return last, more, nil
}

// plan computes the changes the rules require on today of the batch of
// live certificates after position after, and returns the batch's last
// position and whether more may follow; the batch from the start also
// takes the rules on open reviews and certifying partners.
func (n *Node) plan(ctx context.Context, today registry.Date, after registry.IndexHit) (rep LifecycleReport, last registry.IndexHit, more bool, err error) {
	rep = LifecycleReport{RunOn: today, Changes: []LifecycleChange{}}
	var scanErr error
	err = n.db.View(ctx, func(tx registry.StoreTx) error {
		l := tx.Log(SelfLog)
		var err error
		if last, more, err = eachLive(l, after, func(c registry.Certificate) error {
			rep.Checked++
			pl, err := planFor(l, c, today)
			if err != nil {
				return err
			}
			for _, m := range pl.missing {
				// A year is missed once no report of an audit on site in
				// its window can still arrive: an audit on site on the due
				// date is reported up to the issuer's deadline after it.
				if today.After(m.ReportBy) && !m.DueOn.After(c.ExpiresOn) {
					if pl.iso {
						_, code := pl.prog.ISOMaintenance()
						rep.Changes = append(rep.Changes, LifecycleChange{Certificate: c.ID, EmployerBN: c.EmployerBN, Action: registry.ActionCancel,
							Rule: code, EffectiveOn: m.DueOn.AddDays(1), Record: c.ID,
							Reason:   fmt.Sprintf("no proof that the ISO/CSA certification of equivalency %s is maintained (a passing maintenance or ISO equivalency audit) for year %d, from %s to %s (program %s), reported by %s", c.BasisRef, m.Year, m.WindowFrom, m.DueOn, pl.prog.ID, m.ReportBy),
							ReasonFR: fmt.Sprintf("aucune preuve du maintien de la certification ISO/CSA de l'équivalence %s (un audit de maintenance ou d'équivalence ISO réussi) pour l'année %d, du %s au %s (programme %s), reçue au plus tard le %s", c.BasisRef, m.Year, m.WindowFrom, m.DueOn, pl.prog.ID, m.ReportBy)})
						return nil
					}
					rep.Changes = append(rep.Changes, LifecycleChange{Certificate: c.ID, EmployerBN: c.EmployerBN, Action: registry.ActionCancel,
						Rule: pl.prog.MaintenanceCode, EffectiveOn: m.DueOn.AddDays(1), Record: c.ID,
						Reason:   fmt.Sprintf("no passing year-%d maintenance audit from %s to %s (program %s), reported by %s", m.Year, m.WindowFrom, m.DueOn, pl.prog.ID, m.ReportBy),
						ReasonFR: fmt.Sprintf("aucun audit de maintenance de l'année %d réussi du %s au %s (programme %s), reçu au plus tard le %s", m.Year, m.WindowFrom, m.DueOn, pl.prog.ID, m.ReportBy)})
					return nil
				}
			}
			if !pl.expireOn.IsZero() {
				rep.Changes = append(rep.Changes, LifecycleChange{Certificate: c.ID, EmployerBN: c.EmployerBN, Action: registry.ActionExpire,
					Rule: pl.prog.ExpiryCode, EffectiveOn: pl.expireOn, Record: c.ID,
					Reason:   fmt.Sprintf("the %d-month term ended on %s", c.TermMonths, c.ExpiresOn),
					ReasonFR: fmt.Sprintf("la durée de %d mois a pris fin le %s", c.TermMonths, c.ExpiresOn)})
			}
			return nil
		}); err != nil {
			return err
		}
		if after != (registry.IndexHit{}) {
			return nil
		}
		if err := n.planRemovals(l, today, &rep); err != nil {
			return err
		}
		return l.Scan(registry.KindCP, func(e registry.Entry) bool {
			cp, err := decode[registry.CertifyingPartner](e)
			if err == nil {
				rep.Checked++
				var ch LifecycleChange
				var ok bool
				if ch, ok, err = cpSuspensionFor(l, cp, today); ok {
					rep.Changes = append(rep.Changes, ch)
				}
			}
			scanErr = err
			return err == nil
		})
	})
	if err == nil {
		err = scanErr
	}
	return rep, last, more, err
}

// ActionProposeCPSuspension is the lifecycle action of a proposal to
// suspend a certifying partner under the CP QA rule.
const ActionProposeCPSuspension = "propose_cp_suspension"

// cpSuspensionFor applies the node's CP QA rule (the CPQA of its COR
// program) to active certifying partner cp on today, with the CP QA
// reviews and OSARs recorded on this node. ok is false when the rule is
// off or not met, a proposal for the QA review that met it exists, or
// another proposal to suspend cp awaits the administrator.
func cpSuspensionFor(l registry.Log, cp registry.CertifyingPartner, today registry.Date) (LifecycleChange, bool, error) {
	if cp.Status != registry.CPActive {
		return LifecycleChange{}, false, nil
	}
	prog, err := programIn(l, registry.ProgramCOR)
	if err != nil || prog.CPQA == (registry.CPQARule{}) {
		return LifecycleChange{}, false, err
	}
	// Every QA review of the CP, not the first maxAuditorRefs: they come
	// in id order, which for OSARs is the audit's (employer) order, not
	// their date's, so a cap would drop recent unsatisfactory OSARs of a
	// CP with many.
	refs, err := allRefs(l, "cp_qa", cp.ID)
	if err != nil {
		return LifecycleChange{}, false, err
	}
	var qs []registry.QAReview
	for _, r := range refs {
		if r.Kind != registry.KindQAReview {
			continue
		}
		e, err := l.Latest(r.Kind, r.ID)
		if err != nil {
			return LifecycleChange{}, false, err
		}
		q, err := decode[registry.QAReview](e)
		if err != nil {
			return LifecycleChange{}, false, err
		}
		if q.CP == cp.ID {
			qs = append(qs, q)
		}
	}
	f, ok := prog.CPQA.Check(qs, today)
	if !ok {
		return LifecycleChange{}, false, nil
	}
	id := RemovalID(f.Evidence[len(f.Evidence)-1].ID)
	if _, ok, err := exists(l, registry.KindRemoval, id); err != nil || ok {
		return LifecycleChange{}, false, err
	}
	pending, err := l.Lookup("cp_removal", cp.ID, false, maxReviewRefs)
	if err != nil {
		return LifecycleChange{}, false, err
	}
	for _, r := range pending {
		e, err := l.Latest(r.Kind, r.ID)
		if err != nil {
			return LifecycleChange{}, false, err
		}
		if rm, err := decode[registry.Removal](e); err != nil || rm.Status == registry.RemovalProposed {
			return LifecycleChange{}, false, err
		}
	}
	prop := registry.Removal{ID: id, CP: cp.ID, Rule: f.Rule, ProposedOn: today, Status: registry.RemovalProposed,
		Reason:   fmt.Sprintf("suspend certifying partner %s: %s", cp.ID, f.Reason),
		ReasonFR: fmt.Sprintf("suspendre le partenaire de certification %s : %s", cp.ID, f.ReasonFR)}
	for _, q := range f.Evidence {
		what, whatFR := "CP QA review", "examen d'assurance de la qualité du partenaire"
		if q.Kind == registry.QAOSAR {
			what, whatFR = "On-Site Audit Review of audit "+q.Audit+" by "+q.Auditor, "examen d'audit sur place (OSAR) de l'audit "+q.Audit+" de "+q.Auditor
		}
		prop.Evidence = append(prop.Evidence, registry.RemovalEvidence{Kind: registry.KindQAReview, ID: q.ID,
			Detail:   fmt.Sprintf("%s on %s: %s", what, q.On, strings.ReplaceAll(q.Outcome, "_", " ")),
			DetailFR: fmt.Sprintf("%s le %s : %s", whatFR, q.On, registry.QAOutcomeFR(q.Outcome))})
	}
	return LifecycleChange{CP: cp.ID, Action: ActionProposeCPSuspension, Rule: f.Rule, EffectiveOn: today,
		Reason: prop.Reason, ReasonFR: prop.ReasonFR, Record: id, proposal: &prop}, true, nil
}

// proposeCPSuspension applies the CP QA rule to certifying partner cp
// right after a QA review of it is recorded, and writes the proposal when
// the rule is met (idempotent like the lifecycle job). It returns the
// change written, or nil.
func (n *Node) proposeCPSuspension(ctx context.Context, cp string) (*LifecycleChange, error) {
	return n.proposeNow(ctx, func(l registry.Log, today registry.Date) (LifecycleChange, bool, error) {
		e, found, err := exists(l, registry.KindCP, cp)
		if err != nil || !found {
			return LifecycleChange{}, false, err
		}
		c, err := decode[registry.CertifyingPartner](e)
		if err != nil {
			return LifecycleChange{}, false, err
		}
		return cpSuspensionFor(l, c, today)
	})
}

// allRefs returns every record whose index key name has exactly value,
// in (kind, id) order: Lookup without its limit, for a rule that must
// see every record of its subject however many there are. Its cost is
// the number of records.
func allRefs(l registry.Log, name, value string) ([]registry.RecordRef, error) {
	var refs []registry.RecordRef
	err := l.Walk(name, value, registry.IndexHit{}, func(h registry.IndexHit) bool {
		if h.Value != value { // a longer value with this prefix: past the run
			return false
		}
		refs = append(refs, h.Ref)
		return true
	})
	return refs, err
}

// planRemovals applies the removal rule to every open review.
func (n *Node) planRemovals(l registry.Log, today registry.Date, rep *LifecycleReport) error {
	refs, err := l.Lookup("review_open", "", true, LifecycleBatch)
	if err != nil {
		return err
	}
	for _, ref := range refs {
		if ref.Kind != registry.KindReview {
			continue
		}
		rep.Checked++
		e, err := l.Latest(ref.Kind, ref.ID)
		if err != nil {
			return err
		}
		r, err := decode[registry.Review](e)
		if err != nil {
			return err
		}
		if ch, ok, err := removalFor(l, r, today); err != nil {
			return err
		} else if ok {
			rep.Changes = append(rep.Changes, ch)
		}
	}
	return nil
}

// RemovalID is the id of the removal proposal that review id led to.
func RemovalID(review string) string { return "RM-" + review }

// removalFor applies the program's removal rule to open review r: N
// reviews of the employer within M months, or a required action not
// completed by its due date. ok is false when the rule does not apply or
// a proposal for r exists already.
func removalFor(l registry.Log, r registry.Review, today registry.Date) (LifecycleChange, bool, error) {
	id := RemovalID(r.ID)
	if _, ok, err := exists(l, registry.KindRemoval, id); err != nil || ok {
		return LifecycleChange{}, false, err
	}
	if pending, err := pendingRemoval(l, r.Certificate); err != nil || pending != "" {
		return LifecycleChange{}, false, err
	}
	ce, ok, err := exists(l, registry.KindCertificate, r.Certificate)
	if err != nil || !ok {
		return LifecycleChange{}, false, err
	}
	c, err := decode[registry.Certificate](ce)
	if err != nil {
		return LifecycleChange{}, false, err
	}
	if registry.Terminal(c.Status) {
		return LifecycleChange{}, false, nil
	}
	prog, err := programIn(l, cmpOr(c.ProgramDefinition, c.Program))
	if err != nil {
		return LifecycleChange{}, false, err
	}
	rule := prog.Removal
	prop := registry.Removal{ID: id, Certificate: c.ID, EmployerBN: c.EmployerBN, ProposedOn: today, Status: registry.RemovalProposed}
	var why, whyFR string
	if rule.Reviews > 0 {
		rs, err := reviewsOf(l, r.EmployerBN)
		if err != nil {
			return LifecycleChange{}, false, err
		}
		var ev []registry.RemovalEvidence
		for _, o := range rs {
			// Within WindowMonths as for stop-work orders: a review opened
			// exactly WindowMonths before does not count.
			if r.OpenedOn.Before(o.OpenedOn.AddMonths(rule.WindowMonths)) && !o.OpenedOn.After(r.OpenedOn) {
				ev = append(ev, registry.RemovalEvidence{Kind: registry.KindReview, ID: o.ID,
					Detail:   fmt.Sprintf("%s on %s, review opened %s (%s)", o.Trigger, o.OccurredOn, o.OpenedOn, o.Status),
					DetailFR: fmt.Sprintf("%s le %s, examen ouvert le %s (%s)", registry.TriggerFR[o.Trigger], o.OccurredOn, o.OpenedOn, registry.ReviewStatusFR[o.Status])})
			}
		}
		if len(ev) >= rule.Reviews {
			prop.Rule, prop.Evidence = rule.Code+".reviews", ev
			why = fmt.Sprintf("%d Employer Reviews within %d months (rule: %d)", len(ev), rule.WindowMonths, rule.Reviews)
			whyFR = fmt.Sprintf("%d examens de l'employeur en %d mois (règle : %d)", len(ev), rule.WindowMonths, rule.Reviews)
		}
	}
	// The action is overdue once no report of an audit on site by its due
	// date can still arrive (the issuer's report deadline after it).
	reportBy := r.DueOn.AddDays(prog.DeadlineFor(c.Issuer).SubmitDays)
	if prop.Rule == "" && rule.OverdueAction && r.RequiredAction != "" && !r.DueOn.IsZero() && today.After(reportBy) {
		done, err := actionDone(l, r, prog)
		if err != nil {
			return LifecycleChange{}, false, err
		}
		if !done {
			action, actionFR := registry.RequiredActionEN[r.RequiredAction], registry.RequiredActionFR[r.RequiredAction]
			prop.Rule = rule.Code + ".overdue_action"
			prop.Evidence = []registry.RemovalEvidence{{Kind: registry.KindReview, ID: r.ID,
				Detail:   fmt.Sprintf("required %s due %s, no passing audit of it from %s reported by %s", action, r.DueOn, r.ActionFrom, reportBy),
				DetailFR: fmt.Sprintf("%s exigé pour le %s, aucun audit réussi de celui-ci depuis le %s reçu au plus tard le %s", actionFR, r.DueOn, r.ActionFrom, reportBy)}}
			why = fmt.Sprintf("the required %s was not completed by %s", action, r.DueOn)
			whyFR = fmt.Sprintf("l'action exigée (%s) n'a pas été réalisée au plus tard le %s", actionFR, r.DueOn)
		}
	}
	if prop.Rule == "" {
		return LifecycleChange{}, false, nil
	}
	prop.Reason, prop.ReasonFR = why, whyFR
	return LifecycleChange{Certificate: c.ID, EmployerBN: c.EmployerBN, Action: "propose_removal", Rule: prop.Rule,
		EffectiveOn: today, Reason: why, ReasonFR: whyFR, Record: id, proposal: &prop}, true, nil
}

// pendingRemoval returns the id of a removal proposal of certificate cert
// that awaits the administrator's decision, or "": while one does, the
// rule writes no other (its evidence is already before the administrator).
func pendingRemoval(l feedReader, cert string) (string, error) {
	refs, err := l.Lookup("cert", cert, false, maxReviewRefs)
	if err != nil {
		return "", err
	}
	for _, ref := range refs {
		if ref.Kind != registry.KindRemoval {
			continue
		}
		e, err := l.Latest(ref.Kind, ref.ID)
		if err != nil {
			return "", err
		}
		rm, err := decode[registry.Removal](e)
		if err != nil {
			return "", err
		}
		if rm.Status == registry.RemovalProposed {
			return rm.ID, nil
		}
	}
	return "", nil
}

// openReview returns an open Employer Review of certificate cert, if any
// (ok false when none is open).
func openReview(l feedReader, cert string) (r registry.Review, ok bool, err error) {
	refs, err := l.Lookup("cert", cert, false, maxReviewRefs)
	if err != nil {
		return r, false, err
	}
	for _, ref := range refs {
		if ref.Kind != registry.KindReview {
			continue
		}
		e, err := l.Latest(ref.Kind, ref.ID)
		if err != nil {
			return r, false, err
		}
		if r, err = decode[registry.Review](e); err != nil {
			return r, false, err
		}
		if r.Certificate == cert && r.ClosedOn.IsZero() {
			return r, true, nil
		}
	}
	return registry.Review{}, false, nil
}

// proposeRemoval applies the removal rule to review id right after a write
// on it (the review opened, or a step on it), so a proposal does not wait
// for the lifecycle job, and writes the proposal when the rule is met. It
// is idempotent like the job: the proposal's id follows from the review,
// and the write is re-checked against the feed. It returns the change
// written, or nil.
func (n *Node) proposeRemoval(ctx context.Context, id string) (*LifecycleChange, error) {
	return n.proposeNow(ctx, func(l registry.Log, today registry.Date) (LifecycleChange, bool, error) {
		e, found, err := exists(l, registry.KindReview, id)
		if err != nil || !found {
			return LifecycleChange{}, false, err
		}
		r, err := decode[registry.Review](e)
		if err != nil || !r.ClosedOn.IsZero() {
			return LifecycleChange{}, false, err
		}
		return removalFor(l, r, today)
	})
}

// proposeNow applies a proposal rule to this node's feed on today and
// writes the proposal it makes, if any: the id follows from the evidence
// and the write is re-checked against the feed, so it is idempotent like
// the lifecycle job. It returns the change written, or nil.
func (n *Node) proposeNow(ctx context.Context, rule func(l registry.Log, today registry.Date) (LifecycleChange, bool, error)) (*LifecycleChange, error) {
	today := n.Today()
	var ch LifecycleChange
	var ok bool
	err := n.db.View(ctx, func(tx registry.StoreTx) error {
		var err error
		ch, ok, err = rule(tx.Log(SelfLog), today)
		return err
	})
	if err != nil || !ok {
		return nil, err
	}
	e, err := n.writeProposal(ctx, *ch.proposal)
	if errors.Is(err, errDone) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	ch.Version = e.Ver
	return &ch, nil
}

// writeProposal writes a new removal proposal; errDone when it exists.
func (n *Node) writeProposal(ctx context.Context, prop registry.Removal) (registry.Entry, error) {
	return n.commit(ctx, registry.KindRemoval, prop.ID, nil, func(l feedReader, prev *registry.Entry) (any, []registry.IndexKey, error) {
		if prev != nil {
			return nil, nil, errDone
		}
		return prop, removalKeys(prop), nil
	})
}

// actionDone reports whether a passing audit of the review's required
// action (an action plan audit, or for a full audit one of the types that
// certify under prog, the certificate's program: requiredActionTypes) was
// done from the day it was required to its due date.
func actionDone(l registry.Log, r registry.Review, prog registry.Program) (bool, error) {
	refs, err := l.Lookup("cert", r.Certificate, false, maxAuditorRefs)
	if err != nil {
		return false, err
	}
	types := requiredActionTypes(prog, r.RequiredAction)
	for _, ref := range refs {
		if ref.Kind != registry.KindAudit {
			continue
		}
		e, err := l.Latest(ref.Kind, ref.ID)
		if err != nil {
			return false, err
		}
		a, err := decode[registry.Audit](e)
		if err != nil {
			return false, err
		}
		if a.Passed && slices.Contains(types, a.Type) && !a.OnsiteEnd.Before(r.ActionFrom) && !a.OnsiteEnd.After(r.DueOn) {
			return true, nil
		}
	}
	return false, nil
}

// errDone is what a lifecycle write's mutation returns when, in the feed
// as of the write, the change is no longer needed (another run made it).
var errDone = errors.New("lifecycle: change already made")

// RunLifecycle appends the signed changes the program rules require today:
// a certificate whose maintenance audit was missed is cancelled the day
// after it was due, one past its term expires the day after its expiry,
// and an open review that meets the removal rule gets a removal proposal.
// It is idempotent: every change is re-checked against the feed as it is
// written, so a second run, a concurrent one or one after a restart writes
// nothing more. With dryRun it writes nothing and answers what it would do.
// Only the program administrator (or the node's own daily job) may run it.
func (n *Node) RunLifecycle(ctx context.Context, p Principal, dryRun bool) (LifecycleReport, error) {
	if err := n.requireAdmin(p, ScopeCertificates, "runs the lifecycle job"); err != nil {
		return LifecycleReport{}, err
	}
	today := n.Today()
	total := LifecycleReport{RunOn: today, DryRun: dryRun, Changes: []LifecycleChange{}}
	// Batch by batch, oldest first: a batch's changes are written before
	// the next is read, so a certificate they end leaves the live index
	// behind the position the next batch starts after.
	for after := (registry.IndexHit{}); ; {
		rep, last, more, err := n.plan(ctx, today, after)
		total.Checked += rep.Checked
		if err != nil {
			return total, err
		}
		if !dryRun {
			rep.Changes, err = n.applyLifecycle(ctx, p, today, rep.Changes)
		}
		total.ChangesTotal += len(rep.Changes)
		total.Changes = append(total.Changes, rep.Changes[:min(len(rep.Changes), MaxReportedChanges-len(total.Changes))]...)
		if err != nil || !more {
			return total, err
		}
		after = last
	}
}

// applyLifecycle writes changes, a batch of a lifecycle run on today, and
// returns those written.
func (n *Node) applyLifecycle(ctx context.Context, p Principal, today registry.Date, changes []LifecycleChange) ([]LifecycleChange, error) {
	// Each run of certificate changes between removal proposals is queued
	// together, so that the pipeline commits it in group commits as it
	// does an import's writes (one commit, one fsync, per change took 1.2
	// ms: 5,000 expiries in 6 s); a proposal is written after the changes
	// before it, in the plan's order.
	var done []LifecycleChange
	var failed error
	// take reports what committed, and keeps the first failure: the
	// changes queued with it still commit (and are reported); no later run
	// of changes starts.
	take := func(ch LifecycleChange, e registry.Entry, err error) {
		switch {
		case errors.Is(err, errDone):
		case err != nil:
			if failed == nil {
				failed = fmt.Errorf("lifecycle %s %s: %w", ch.Action, ch.Record, err)
			}
		default:
			ch.Version = e.Ver
			done = append(done, ch)
		}
	}
	by := PrincipalFrom(ctx)
	for i := 0; i < len(changes) && failed == nil; {
		if ch := changes[i]; ch.proposal != nil {
			e, err := n.writeProposal(ctx, *ch.proposal)
			take(ch, e, err)
			i++
			continue
		}
		j := i
		var ws []*write
		for ; j < len(changes) && changes[j].proposal == nil; j++ {
			ws = append(ws, n.newWrite(by, registry.KindCertificate, changes[j].Certificate, lifecycleMutation(p, changes[j], today)))
		}
		n.enqueue(ws)
		for k, w := range ws { // every one waited for: none is cancelled
			<-w.done
			n.after(ctx, w)
			take(changes[i+k], w.out, w.err)
		}
		i = j
	}
	return done, failed
}

// lifecycleMutation records ch's status change on the certificate, unless
// it is no longer in a status the change applies to. The change takes
// effect on its own date (a missed maintenance year cancels the day after
// it was due, an expiry the day after the term): when a later step was
// recorded meanwhile (the CP suspended the certificate during the report
// grace, say), the change is inserted in date order as a correction, and
// the effective steps after it are annulled, with a reason in both
// languages, since a cancelled or expired certificate takes no further
// step. The certificate then reads cancelled (or expired) from that date,
// not from the later step's.
func lifecycleMutation(p Principal, ch LifecycleChange, today registry.Date) mutation {
	return func(l feedReader, prev *registry.Entry) (any, []registry.IndexKey, error) {
		if prev == nil {
			return nil, nil, errDone
		}
		c, err := decode[registry.Certificate](*prev)
		if err != nil {
			return nil, nil, err
		}
		to, err := registry.Transition(c.Status, ch.Action)
		if err != nil {
			return nil, nil, errDone
		}
		reason := "lifecycle (" + p.Subject + "): " + ch.Reason
		reasonFR := "cycle de vie (" + p.Subject + ") : " + ch.ReasonFR
		step := registry.StatusChange{Status: to, On: ch.EffectiveOn, Reason: reason, ReasonFR: reasonFR, Rule: ch.Rule, RecordedOn: today, By: p.Subject}
		h, err := placeLifecycleStep(c.History, step, p, ch.Action, today)
		if err != nil {
			return nil, nil, err
		}
		c.History, c.Status, c.StatusReason = h, to, reason
		if err := c.Validate(); err != nil {
			return nil, nil, err
		}
		return c, certKeys(c), nil
	}
}

// placeLifecycleStep returns history h with the lifecycle's final step
// (action, to step.Status) in it at its own date: appended when no
// effective step is dated after it, else inserted after the steps on or
// before its date as a correction, the effective steps after it annulled.
// Should the status on its date not allow the action (a certificate still
// pending on its expiry date, activated later), it is appended on the last
// step's date, as before this rule.
func placeLifecycleStep(h []registry.StatusChange, step registry.StatusChange, p Principal, action string, today registry.Date) ([]registry.StatusChange, error) {
	last := h[len(h)-1].On
	for i := len(h) - 1; i >= 0; i-- {
		if h[i].Annulled == nil {
			last = h[i].On
			break
		}
	}
	if !step.On.Before(last) {
		return append(slices.Clip(h), step), nil
	}
	from, ok := registry.StatusAt(h, step.On)
	if to, err := registry.Transition(from, action); !ok || err != nil || to != step.Status {
		if lastOn := h[len(h)-1].On; step.On.Before(lastOn) {
			step.On = lastOn
		}
		return append(slices.Clip(h), step), nil
	}
	at := len(h)
	for i := range h {
		if h[i].On.After(step.On) {
			at = i
			break
		}
	}
	step.Correction = true
	h = slices.Insert(slices.Clone(h), at, step)
	fr := finalFR[step.Status]
	for i := at + 1; i < len(h); i++ {
		if h[i].Annulled != nil {
			continue
		}
		h[i].Annulled = &registry.Annulment{On: today, By: p.Subject,
			Reason: fmt.Sprintf("lifecycle (%s): the certificate is %s from %s (rule %s), before this step; a %s certificate takes no further step",
				p.Subject, step.Status, step.On, step.Rule, step.Status),
			ReasonFR: fmt.Sprintf("cycle de vie (%s) : le certificat est %s à compter du %s (règle %s), avant cette étape ; un certificat %s ne franchit plus aucune étape",
				p.Subject, fr, step.On, step.Rule, fr)}
	}
	return h, checkSequence(h, registry.Transition)
}
