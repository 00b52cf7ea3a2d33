package node

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/corfed/corfed/registry"
)

// Program returns program id as this node defines it: the newest version
// the node published, else the built-in default (registry.DefaultPrograms).
// An unknown id wraps registry.ErrNotFound.
func (n *Node) Program(ctx context.Context, id string) (registry.Program, error) {
	var p registry.Program
	err := n.db.View(ctx, func(tx registry.StoreTx) error {
		var err error
		p, err = programIn(tx.Log(SelfLog), id)
		return err
	})
	return p, err
}

func programIn(l feedReader, id string) (registry.Program, error) {
	e, ok, err := exists(l, registry.KindProgram, id)
	if err != nil {
		return registry.Program{}, err
	}
	if ok {
		return decode[registry.Program](e)
	}
	if p, ok := registry.DefaultProgram(id); ok {
		return p, nil
	}
	return registry.Program{}, fmt.Errorf("program %q: %w", id, registry.ErrNotFound)
}

// Programs returns every program the node knows: its published ones, and
// the defaults it has not replaced.
func (n *Node) Programs(ctx context.Context) ([]registry.Program, error) {
	es, err := n.All(ctx, registry.KindProgram)
	if err != nil {
		return nil, err
	}
	var out []registry.Program
	seen := map[string]bool{}
	for _, e := range es {
		p, err := decode[registry.Program](e)
		if err != nil {
			return nil, err
		}
		seen[p.ID] = true
		out = append(out, p)
	}
	for _, p := range registry.DefaultPrograms() {
		if !seen[p.ID] {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b registry.Program) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// PublishProgram signs a new version of a program definition. Only the
// program administrator may.
func (n *Node) PublishProgram(ctx context.Context, p Principal, prog registry.Program) (registry.Entry, error) {
	if err := p.require(ScopeRules); err != nil {
		return registry.Entry{}, err
	}
	if p.Role != RoleAdmin {
		return registry.Entry{}, fmt.Errorf("only the program administrator defines programs: %w", registry.ErrForbidden)
	}
	if err := prog.Validate(); err != nil {
		return registry.Entry{}, n.omittedToo(ctx, registry.KindProgram, prog.ID, err)
	}
	return n.commit(ctx, registry.KindProgram, prog.ID, nil, func(feedReader, *registry.Entry) (any, []registry.IndexKey, error) {
		return prog, nil, nil
	})
}

// nationalLogs returns the node's own feed and the replica of every other
// jurisdiction (empty when the node does not follow it): the national
// registry is what the node signed and what the federation verified.
func nationalLogs(tx registry.StoreTx) []registry.Log {
	out := []registry.Log{tx.Log(SelfLog)}
	for _, j := range registry.Jurisdictions {
		out = append(out, tx.Log(ReplicaLog(j)))
	}
	return out
}

// nationalLatest returns the newest version of (kind, id) in every log
// that holds it: the node's own first, then the replicas in name order.
func nationalLatest(tx registry.StoreTx, kind registry.Kind, id string) ([]registry.Entry, error) {
	var out []registry.Entry
	for _, l := range nationalLogs(tx) {
		e, ok, err := exists(l, kind, id)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, e)
		}
	}
	return out, nil
}

// maxAuditorRefs bounds how many audits of one certificate are read (its
// maintenance years, an Employer Review's required action).
const maxAuditorRefs = 500

// nationalByIndex returns the newest version of every record of kind whose
// index key name has value, in every log: all of them, since standings
// and counts are derived from them (an auditor's audits, a CP's or an
// auditor's QA reviews). A cap would keep the first in id order, which
// for audits and OSARs is the employer's order, not the date's. The cost
// is the number of such records: an auditor's or a CP's history.
func nationalByIndex(tx registry.StoreTx, kind registry.Kind, name, value string) ([]registry.Entry, error) {
	var out []registry.Entry
	for _, l := range nationalLogs(tx) {
		refs, err := allRefs(l, name, value)
		if err != nil {
			return nil, err
		}
		for _, r := range refs {
			if r.Kind != kind {
				continue
			}
			e, err := l.Latest(r.Kind, r.ID)
			if err != nil {
				return nil, err
			}
			out = append(out, e)
		}
	}
	return out, nil
}

// AuditorView is an auditor of the national registry with its standing on
// a date and every body's discipline.
type AuditorView struct {
	Auditor    registry.Auditor         `json:"auditor"`
	Entry      registry.Entry           `json:"-"`
	AsOf       registry.Date            `json:"status_as_of"`
	Standing   registry.AuditorStanding `json:"standing"`
	Discipline []registry.Discipline    `json:"discipline"`
	Audits     int                      `json:"audits"` // audits it took part in, seen nationally
	QA         []registry.QAReview      `json:"qa_reviews,omitempty"`

	dates []registry.Date // the last on-site days of its audits
}

// homeAuditor picks the authoritative version among the auditor records
// of several nodes: the one whose first version was signed first (iat of
// version 1 is not at hand, so the earliest iat of the newest versions),
// ties broken by jurisdiction. Normally there is only one: a node refuses
// to register an id another node already holds.
func homeAuditor(es []registry.Entry) registry.Entry {
	best := es[0]
	for _, e := range es[1:] {
		if e.Iat < best.Iat || e.Iat == best.Iat && e.Iss < best.Iss {
			best = e
		}
	}
	return best
}

// Auditor returns auditor id as the federation knows it, with its status
// on asOf (zero: today). Errors wrap registry.ErrNotFound.
func (n *Node) Auditor(ctx context.Context, id string, asOf registry.Date) (AuditorView, error) {
	if asOf.IsZero() {
		asOf = n.Today()
	}
	rules, err := n.auditorRules(ctx)
	if err != nil {
		return AuditorView{}, err
	}
	var v AuditorView
	err = n.db.View(ctx, func(tx registry.StoreTx) error {
		var err error
		v, err = auditorIn(tx, rules, n.cfg.Jurisdiction, id, asOf)
		return err
	})
	return v, err
}

func (n *Node) auditorRules(ctx context.Context) (registry.AuditorRules, error) {
	p, err := n.Program(ctx, registry.ProgramCOR)
	if err != nil {
		return registry.AuditorRules{}, err
	}
	return p.Auditors, nil
}

func auditorIn(tx registry.StoreTx, rules registry.AuditorRules, self registry.Jurisdiction, id string, asOf registry.Date) (AuditorView, error) {
	es, err := nationalLatest(tx, registry.KindAuditor, id)
	if err != nil {
		return AuditorView{}, err
	}
	if len(es) == 0 {
		return AuditorView{}, fmt.Errorf("auditor %q is not in the national registry: %w", id, registry.ErrNotFound)
	}
	home := homeAuditor(es)
	a, err := decode[registry.Auditor](home)
	if err != nil {
		return AuditorView{}, err
	}
	v := AuditorView{Auditor: a, Entry: home, AsOf: asOf, Discipline: []registry.Discipline{}}
	ds, err := nationalLatest(tx, registry.KindDiscipline, id)
	if err != nil {
		return AuditorView{}, err
	}
	for _, e := range ds {
		d, err := decode[registry.Discipline](e)
		if err != nil {
			return AuditorView{}, err
		}
		if d.Body != e.Iss || d.Auditor != id {
			continue // a node disciplines only as itself
		}
		v.Discipline = append(v.Discipline, d)
	}
	audits, err := nationalByIndex(tx, registry.KindAudit, "auditor", id)
	if err != nil {
		return AuditorView{}, err
	}
	var dates []registry.Date
	for _, e := range audits {
		au, err := decode[registry.Audit](e)
		if err != nil {
			return AuditorView{}, err
		}
		dates = append(dates, au.OnsiteEnd)
	}
	v.Audits, v.dates = len(dates), dates
	qa, err := nationalByIndex(tx, registry.KindQAReview, "auditor", id)
	if err != nil {
		return AuditorView{}, err
	}
	recordedBy := map[string][]registry.Jurisdiction{} // QA review id: the nodes that signed it
	for _, e := range qa {
		q, err := decode[registry.QAReview](e)
		if err != nil {
			return AuditorView{}, err
		}
		v.QA = append(v.QA, q)
		recordedBy[q.ID] = append(recordedBy[q.ID], e.Iss)
	}
	judged := a
	if home.Iss == self {
		// This node's own record, under its own rules: one stored before
		// PutAuditor refused an expires_on past the period ends with it.
		// A peer's is read as its home node, under its rules, stored it.
		judged = rules.WithinPeriods(a)
	}
	// The OSAR suspension is lifted by a reinstatement of the body that
	// recorded the OSAR that made it (the node of the audit's CP, whose
	// program applied the rule), as a reinstatement lifts only the same
	// body's discipline action.
	hold := registry.OSARSuspension(v.QA, recordedBy, v.Discipline, rules, asOf)
	v.Standing = rules.StandingOn(judged, v.Discipline, dates, hold, asOf)
	return v, nil
}

// PutAuditor registers an auditor in the national registry (create=true)
// or stores a new version of its credentials. The node that registers an
// auditor is its home: another node refuses the same id, and only the home
// node changes it. A new credential that renews an earlier one of the same
// CP needs the audits the rules require in the earlier period; a first
// one after a candidate's course of the CP needs the qualification audit
// (checkRecertification).
func (n *Node) PutAuditor(ctx context.Context, p Principal, a registry.Auditor, create bool) (registry.Entry, error) {
	if err := p.require(ScopeAuditors); err != nil {
		return registry.Entry{}, err
	}
	if p.Role != RoleAdmin {
		return registry.Entry{}, fmt.Errorf("only the program administrator keeps the auditor registry: %w", registry.ErrForbidden)
	}
	a.Home = n.cfg.Jurisdiction
	if err := a.Validate(); err != nil {
		return registry.Entry{}, n.omittedToo(ctx, registry.KindAuditor, a.ID, err)
	}
	rules, err := n.auditorRules(ctx)
	if err != nil {
		return registry.Entry{}, err
	}
	if err := rules.CheckPeriods(a); err != nil {
		return registry.Entry{}, n.omittedToo(ctx, registry.KindAuditor, a.ID, err)
	}
	var view *AuditorView
	err = n.db.View(ctx, func(tx registry.StoreTx) error {
		es, err := nationalLatest(tx, registry.KindAuditor, a.ID)
		if err != nil {
			return err
		}
		for _, e := range es {
			if e.Iss != n.cfg.Jurisdiction {
				return registry.Conflict("auditor %s is registered by %s; its home node keeps its credentials", a.ID, e.Iss)
			}
		}
		if len(es) > 0 {
			v, err := auditorIn(tx, rules, n.cfg.Jurisdiction, a.ID, n.Today())
			if err != nil {
				return err
			}
			view = &v
		}
		return nil
	})
	if err != nil {
		return registry.Entry{}, err
	}
	if view == nil {
		view = &AuditorView{} // a new auditor: no credentials or audits yet
	}
	if err := checkRecertification(rules, view, a); err != nil {
		return registry.Entry{}, n.omittedToo(ctx, registry.KindAuditor, a.ID, err)
	}
	defer n.standing.begin()() // standing.go
	return n.commitChange(ctx, registry.KindAuditor, a.ID, func(l feedReader, prev *registry.Entry) (any, []registry.IndexKey, error) {
		if create && prev != nil {
			return nil, nil, registry.Conflict("auditor %s already exists; use PUT /v1/auditors/%s to change it", a.ID, a.ID)
		}
		if !create && prev == nil {
			return nil, nil, fmt.Errorf("auditor %q: %w", a.ID, registry.ErrNotFound)
		}
		if err := n.checkCredentialCPs(l, a); err != nil {
			return nil, nil, err
		}
		return a, nil, nil
	})
}

// checkCredentialCPs refuses, at body.credentials[i].cp, a peer, internal
// or candidate credential whose CP is not one of this node's, every one at
// once: such a credential is its CP's own, so the node of that CP decides
// who holds one (another province's administrator does not decide who
// audits for a CA-BC CP). An external credential is national: its cp
// names the CP that sponsored it, checked nowhere. One lookup a
// credential.
func (n *Node) checkCredentialCPs(l feedReader, a registry.Auditor) error {
	var errs []error
	for i, c := range a.Credentials {
		if c.Kind == registry.CredExternal {
			continue
		}
		if _, ok, err := exists(l, registry.KindCP, c.CP); err != nil {
			return err
		} else if !ok {
			errs = append(errs, registry.Invalid(fmt.Sprintf("body.credentials[%d].cp", i), "%s is not a certifying partner of %s: a %s credential is its CP's own and is registered by that CP's node", c.CP, n.cfg.Jurisdiction, c.Kind))
		}
	}
	return registry.JoinInvalid(errs...)
}

// checkRecertification refuses, at body.credentials[i], a new credential
// other than a candidate's (naming every such problem at once):
//   - that follows an earlier one of the same CP when the auditor did
//     fewer audits in the earlier period than the rules require (rule
//     auditor.recertification). Any earlier credential that let the
//     auditor audit for the CP counts, whatever its kind: the CP's own, or
//     an external one under any CP's id (external credentials are
//     national). A lapsed auditor does not escape the renewal rule by
//     taking another kind of credential or another CP's id;
//   - that, with no such earlier credential, follows a candidate's course
//     for the same CP when the auditor took part in no audit within the
//     rules' qualification window of that course, and by the new
//     credential's date (rule auditor.qualification: the candidate lapsed
//     without the qualification audit).
//
// v is the auditor as stored (its credentials and audits); a new auditor
// has none.
func checkRecertification(rules registry.AuditorRules, v *AuditorView, a registry.Auditor) error {
	old := v.Auditor.Credentials
	var errs []error
	for i, c := range a.Credentials {
		if slices.Contains(old, c) || c.Kind == registry.CredCandidate {
			continue
		}
		f := fmt.Sprintf("body.credentials[%d]", i)
		renewal := false
		for _, o := range old {
			// An earlier credential that let the auditor audit for c's CP:
			// one of the CP, or an external one, which is national
			// (UsableFor), whatever the CP it was recorded under.
			if o.Kind == registry.CredCandidate || (o.CP != c.CP && o.Kind != registry.CredExternal) || !c.CertifiedOn.After(o.CertifiedOn) {
				continue
			}
			// A renewal of o: count the auditor's audits in o's period.
			renewal = true
			from, to := o.CertifiedOn, rules.ExpiryOf(o)
			if done := countDates(v.dates, from, to); done < rules.AuditsToRecertify {
				errs = append(errs, registry.Invalid(f, "recertification with %s needs %d audits in the previous period (%s to %s); %d recorded (rule auditor.recertification)", c.CP, rules.AuditsToRecertify, from, to, done))
				break
			}
		}
		if renewal {
			continue
		}
		var course registry.Credential // the latest course of c's CP before c
		qualified := false
		for _, o := range append(slices.Clip(old), a.Credentials...) {
			if o.Kind != registry.CredCandidate || o.CP != c.CP || o.CertifiedOn.After(c.CertifiedOn) {
				continue
			}
			if o.CertifiedOn.After(course.CertifiedOn) {
				course = o
			}
			to := o.CertifiedOn.AddDays(rules.QualificationDays)
			if c.CertifiedOn.Before(to) {
				to = c.CertifiedOn
			}
			qualified = qualified || countDates(v.dates, o.CertifiedOn, to) > 0
		}
		if !course.CertifiedOn.IsZero() && !qualified {
			errs = append(errs, registry.Invalid(f, "certification with %s follows the candidate's course of %s: it needs a qualification audit within %d days of the course (by %s); none recorded (rule auditor.qualification)",
				c.CP, course.CertifiedOn, rules.QualificationDays, course.CertifiedOn.AddDays(rules.QualificationDays)))
		}
	}
	return registry.JoinInvalid(errs...)
}

// countDates counts the dates in [from, to].
func countDates(dates []registry.Date, from, to registry.Date) int {
	n := 0
	for _, d := range dates {
		if !d.Before(from) && !d.After(to) {
			n++
		}
	}
	return n
}

// DisciplineRequest is a discipline action asked for.
type DisciplineRequest struct {
	Action string
	Reason string
	On     registry.Date // default today
}

// CheckDiscipline is DisciplineAuditor's check of an action before any
// record is read (the action, the reason's text, the date), every problem
// at once; the edge runs it too when the schema refuses the body
// (openapi/rules.go).
func CheckDiscipline(r DisciplineRequest, today registry.Date) error {
	if r.On.IsZero() {
		r.On = today
	}
	var errs []error
	if !slices.Contains(registry.DisciplineActions, r.Action) {
		errs = append(errs, registry.Invalid("body.action", "one of reprimand, suspend, revoke, reinstate"))
	}
	if strings.TrimSpace(r.Reason) == "" {
		errs = append(errs, registry.Invalid("body.reason", "a discipline action needs a reason"))
	} else {
		errs = append(errs, registry.CheckText("body.reason", r.Reason, 1, registry.MaxReasonLen))
	}
	if r.On.After(today) {
		// An action takes effect when it is recorded, as a certificate's
		// status change: a suspension dated ahead would leave the auditor
		// in good standing until then on a decision already taken, and
		// audits checked meanwhile would be judged on a promise.
		errs = append(errs, registry.Invalid("body.on", "%s is after today (%s): a status change is recorded once it takes effect", r.On, today))
	}
	return registry.JoinInvalid(errs...)
}

// DisciplineAuditor appends a discipline action to this node's discipline
// record of the auditor (a signed, replicated record): any province's
// administrator may discipline any auditor of the national registry, and
// every node sees it. Only the program administrator may.
func (n *Node) DisciplineAuditor(ctx context.Context, p Principal, id string, r DisciplineRequest) (registry.Entry, error) {
	if err := p.require(ScopeAuditors); err != nil {
		return registry.Entry{}, err
	}
	if p.Role != RoleAdmin {
		return registry.Entry{}, fmt.Errorf("only the program administrator disciplines auditors: %w", registry.ErrForbidden)
	}
	today := n.Today()
	if r.On.IsZero() {
		r.On = today
	}
	if err := CheckDiscipline(r, today); err != nil && !textOnly(err, r.Reason) {
		return registry.Entry{}, err // else the record's validation names the reason with its other problems
	}
	if _, err := n.Auditor(ctx, id, r.On); err != nil {
		return registry.Entry{}, err
	}
	defer n.standing.begin()() // standing.go
	return n.commit(ctx, registry.KindDiscipline, id, nil, func(l feedReader, prev *registry.Entry) (any, []registry.IndexKey, error) {
		d := registry.Discipline{Auditor: id, Body: n.cfg.Jurisdiction}
		if prev != nil {
			var err error
			if d, err = decode[registry.Discipline](*prev); err != nil {
				return nil, nil, err
			}
		}
		d.Actions = append(d.Actions[:len(d.Actions):len(d.Actions)], registry.DisciplineAction{Action: r.Action, Reason: r.Reason, On: r.On, By: p.Subject})
		if err := d.Validate(); err != nil {
			// The new action's problems are the request's fields.
			return nil, nil, requestFields(err, fmt.Sprintf("body.actions[%d].", len(d.Actions)-1), "body.")
		}
		return d, nil, nil
	})
}

// requestFields returns err with the fields of its validation errors that
// begin with from moved under to (the record's fields of what the request
// gave, as the request names them); any other error unchanged.
func requestFields(err error, from, to string) error {
	move := func(ve *registry.ValidationError) *registry.ValidationError {
		if rest, ok := strings.CutPrefix(ve.Field, from); ok {
			return &registry.ValidationError{Field: to + rest, Reason: ve.Reason, Value: ve.Value, Format: ve.Format, Args: ve.Args}
		}
		return ve
	}
	var ves registry.ValidationErrors
	if errors.As(err, &ves) {
		out := make(registry.ValidationErrors, len(ves))
		for i, ve := range ves {
			out[i] = move(ve)
		}
		return out
	}
	if ve := (*registry.ValidationError)(nil); errors.As(err, &ve) {
		return move(ve)
	}
	return err
}
