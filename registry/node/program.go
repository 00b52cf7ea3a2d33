package node

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/jose"
)

// This file holds the writes a province's program administrator makes to
// run its own program: proposing, signing and withdrawing agreements,
// issuing letters, dated equivalency status changes, and corrections of a
// status history (a change recorded late, or a mistaken one annulled).

// ProposeAgreement publishes this node's copy of new agreement terms,
// signed by this node as a party; the other parties sign it on their own
// nodes (SignAgreement through the federation). The terms of an agreement
// never change: a published id is a conflict (publish a revision under a
// new id that names it in supersedes).
func (n *Node) ProposeAgreement(ctx context.Context, p Principal, t registry.AgreementTerms) (registry.Entry, error) {
	if err := n.mayRunProgram(p, "proposes agreements"); err != nil {
		return registry.Entry{}, err
	}
	if err := t.Validate(); err != nil {
		return registry.Entry{}, err // what is wrong with the terms comes before whether they are new
	}
	if _, ok, err := n.latest(ctx, registry.KindAgreement, t.ID); err != nil {
		return registry.Entry{}, err
	} else if ok {
		return registry.Entry{}, registry.Conflict("agreement %s is already published by %s; its terms never change (publish a revision under a new id with supersedes %q)", t.ID, n.cfg.Jurisdiction, t.ID)
	}
	return n.PublishAgreement(ctx, p, t, nil)
}

// CountersignAgreement publishes this node's copy of terms another party
// proposed, with this node's signature and the others' given (each verified
// against its party's pinned key). A node that already signed gets a
// conflict. partyKeys gives each party's pinned keys (the federation's).
func (n *Node) CountersignAgreement(ctx context.Context, p Principal, t registry.AgreementTerms, others []registry.PartySignature,
	partyKeys func(registry.Jurisdiction) (*jose.KeySet, bool)) (registry.Entry, error) {
	if err := n.mayRunProgram(p, "signs agreements"); err != nil {
		return registry.Entry{}, err
	}
	if err := t.Validate(); err != nil {
		return registry.Entry{}, err
	}
	if e, ok, err := n.latest(ctx, registry.KindAgreement, t.ID); err != nil {
		return registry.Entry{}, err
	} else if ok {
		return registry.Entry{}, registry.Conflict("%s already signed agreement %s (version %d)", n.cfg.Jurisdiction, t.ID, e.Ver)
	}
	return n.publishAgreement(ctx, p, t, others, partyKeys)
}

// WithdrawAgreement records that this node's jurisdiction withdraws from
// agreement id from date on (zero: today): a new version of its copy, which
// keeps its signature (the agreement counted until then) and carries the
// withdrawal. Answers about dates before on are unchanged.
func (n *Node) WithdrawAgreement(ctx context.Context, p Principal, id string, on registry.Date, reason string) (registry.Entry, error) {
	if err := n.mayRunProgram(p, "withdraws from agreements"); err != nil {
		return registry.Entry{}, err
	}
	if on.IsZero() {
		on = n.Today()
	}
	if strings.TrimSpace(reason) == "" {
		reason = "withdrawn by the program administrator"
	}
	if len(reason) > registry.MaxReasonLen {
		return registry.Entry{}, registry.Invalid("body.reason", "at most %d characters", registry.MaxReasonLen)
	}
	return n.commit(ctx, registry.KindAgreement, id, nil, func(_ feedReader, prev *registry.Entry) (any, []registry.IndexKey, error) {
		if prev == nil {
			return nil, nil, fmt.Errorf("%s has no copy of agreement %q to withdraw from: %w", n.cfg.Jurisdiction, id, registry.ErrNotFound)
		}
		a, err := decode[registry.Agreement](*prev)
		if err != nil {
			return nil, nil, err
		}
		if a.Withdrawn != nil {
			return nil, nil, registry.Conflict("%s already withdrew from agreement %s on %s", n.cfg.Jurisdiction, id, a.Withdrawn.On)
		}
		if on.Before(a.Terms.EffectiveFrom) {
			on = a.Terms.EffectiveFrom
		}
		a.Withdrawn = &registry.Withdrawal{Party: n.cfg.Jurisdiction, On: on, Reason: reason, By: p.Subject}
		return a, nil, nil
	})
}

// MayRunProgram checks that p is the program administrator with the rules
// scope (what says what is refused otherwise).
func (n *Node) MayRunProgram(p Principal, what string) error { return n.mayRunProgram(p, what) }

func (n *Node) mayRunProgram(p Principal, what string) error {
	if err := p.require(ScopeRules); err != nil {
		return err
	}
	if p.Role != RoleAdmin {
		return fmt.Errorf("only the program administrator %s: %w", what, registry.ErrForbidden)
	}
	return nil
}

// latest reads the newest version of a record of this node's own feed.
func (n *Node) latest(ctx context.Context, kind registry.Kind, id string) (registry.Entry, bool, error) {
	var e registry.Entry
	var ok bool
	err := n.db.View(ctx, func(tx registry.StoreTx) error {
		var err error
		e, ok, err = exists(tx.Log(SelfLog), kind, id)
		return err
	})
	return e, ok, err
}

// IssueLetter stores a reciprocity letter this node's jurisdiction issues
// as host. The caller (federation) has decided it: the home certificate is
// recognized under an agreement on the issue date, and ExpiresOn follows
// from the host's terms.
func (n *Node) IssueLetter(ctx context.Context, p Principal, l registry.Letter) (registry.Entry, error) {
	if err := n.mayRunProgram(p, "issues reciprocity letters"); err != nil {
		return registry.Entry{}, err
	}
	if l.Host != n.cfg.Jurisdiction {
		return registry.Entry{}, registry.Invalid("body.host", "this node issues letters only as host %s, not %s (ask %s's node)", n.cfg.Jurisdiction, l.Host, l.Host)
	}
	if l.IssuedBy == "" {
		l.IssuedBy = p.Subject
	}
	if err := l.Validate(); err != nil {
		return registry.Entry{}, err
	}
	return n.commit(ctx, registry.KindLetter, l.ID, nil, func(_ feedReader, prev *registry.Entry) (any, []registry.IndexKey, error) {
		if prev != nil {
			return nil, nil, registry.Conflict("letter %s already exists", l.ID)
		}
		return l, letterKeys(l), nil
	})
}

func letterKeys(l registry.Letter) []registry.IndexKey {
	return []registry.IndexKey{{Name: "bn", Value: l.EmployerBN}}
}

// LetterWorkStarted records the day work started in the host under letter
// id (zero: today): a new version of the letter. Where the host's terms say
// void_once_work_starts (MB), the letter stops counting that day.
func (n *Node) LetterWorkStarted(ctx context.Context, p Principal, id string, on registry.Date) (registry.Entry, error) {
	if err := n.mayRunProgram(p, "records that work started"); err != nil {
		return registry.Entry{}, err
	}
	if on.IsZero() {
		on = n.Today()
	}
	return n.commit(ctx, registry.KindLetter, id, nil, func(_ feedReader, prev *registry.Entry) (any, []registry.IndexKey, error) {
		if prev == nil {
			return nil, nil, fmt.Errorf("letter %q: %w", id, registry.ErrNotFound)
		}
		l, err := decode[registry.Letter](*prev)
		if err != nil {
			return nil, nil, err
		}
		if !l.WorkStartedOn.IsZero() {
			return nil, nil, registry.Conflict("work under letter %s is already recorded as started on %s", id, l.WorkStartedOn)
		}
		l.WorkStartedOn = on
		if err := l.Validate(); err != nil {
			return nil, nil, err
		}
		return l, letterKeys(l), nil
	})
}

// applyChange applies status request r to a history (in date order) whose
// last effective status is cur, and returns the new history. A change
// dated on or after the last effective one is appended; one dated before
// it is a correction (program administrator only), inserted in date order
// and marked; action annul marks the change taking effect on r.On as a
// mistake. The effective sequence must stay consistent (each step one the
// transitions allow), else ErrConflict: annul the later steps first.
func applyChange(h []registry.StatusChange, cur string, r StatusRequest, p Principal, today registry.Date,
	transition func(from, action string) (string, error)) ([]registry.StatusChange, error) {
	h = slices.Clone(h)
	if r.Action == registry.ActionAnnul {
		if p.Role != RoleAdmin {
			return nil, fmt.Errorf("only the program administrator annuls a status change: %w", registry.ErrForbidden)
		}
		k := -1
		for i := len(h) - 1; i >= 1; i-- {
			if h[i].On == r.On && h[i].Annulled == nil {
				k = i
				break
			}
		}
		if k < 0 {
			return nil, registry.Invalid("body.on", "no status change after the first takes effect on %s to annul", r.On)
		}
		h[k].Annulled = &registry.Annulment{On: today, Reason: r.Reason, By: p.Subject}
		return h, checkSequence(h, transition)
	}
	last := h[len(h)-1].On
	for i := len(h) - 1; i >= 0; i-- {
		if h[i].Annulled == nil {
			last = h[i].On
			break
		}
	}
	change := registry.StatusChange{On: r.On, Reason: r.Reason, ReasonFR: r.ReasonFR, SupersededBy: r.SupersededBy, RecordedOn: today, By: p.Subject}
	if !r.On.Before(last) {
		to, err := transition(cur, r.Action)
		if err != nil {
			return nil, err
		}
		change.Status = to
		return append(h, change), nil
	}
	if p.Role != RoleAdmin {
		return nil, registry.Invalid("body.on", "the change takes effect on %s, before the last recorded change (on %s); only the program administrator records a correction", r.On, last)
	}
	from, ok := registry.StatusAt(h, r.On)
	if !ok || r.On.Before(h[0].On) {
		return nil, registry.Invalid("body.on", "%s is before the first recorded status (%s)", r.On, h[0].On)
	}
	to, err := transition(from, r.Action)
	if err != nil {
		return nil, err
	}
	change.Status, change.Correction = to, true
	at := len(h)
	for i := range h {
		if h[i].On.After(r.On) {
			at = i
			break
		}
	}
	h = slices.Insert(h, at, change)
	return h, checkSequence(h, transition)
}

// checkSequence checks that each effective step of h follows from the one
// before by some action (or repeats it).
func checkSequence(h []registry.StatusChange, transition func(from, action string) (string, error)) error {
	prev := ""
	for _, c := range h {
		if c.Annulled != nil {
			continue
		}
		if prev != "" && (registry.Terminal(prev) || prev == registry.EqvWithdrawn) {
			return registry.Conflict("the corrected history would change status on %s after a final %s; annul one of them first", c.On, prev)
		}
		if prev != "" && prev != c.Status && !reachable(prev, c.Status, transition) {
			return registry.Conflict("the corrected history would go from %s to %s on %s, which no action allows; annul the later change first", prev, c.Status, c.On)
		}
		prev = c.Status
	}
	if prev == "" {
		return registry.Conflict("the history would have no effective status left")
	}
	return nil
}

func reachable(from, to string, transition func(from, action string) (string, error)) bool {
	actions := append(slices.Clone(registry.Actions), registry.ActionWithdraw)
	for _, a := range actions {
		if s, err := transition(from, a); err == nil && s == to {
			return true
		}
	}
	return false
}

// ChangeEquivalencyStatus records a dated status change of an equivalency
// record (suspend, reinstate, withdraw, expire, annul) as a new version
// carrying the whole history, like a certificate's: answers about dates
// before the change are unchanged.
func (n *Node) ChangeEquivalencyStatus(ctx context.Context, p Principal, id string, r StatusRequest) (registry.Entry, error) {
	if err := n.requireAdmin(p, ScopeEquivalencies, "changes an equivalency's status"); err != nil {
		return registry.Entry{}, err
	}
	today := n.Today()
	if r.On.IsZero() {
		r.On = today
	}
	errs := []error{r.checkReason()}
	if r.SupersededBy != "" {
		errs = append(errs, registry.Invalid("body.superseded_by", "an equivalency is not superseded"))
	}
	if r.On.After(today) {
		// As a certificate's status change (ChangeStatus): one dated
		// ahead would read as the equivalency's status from then, and
		// certificates issued on it meanwhile would rest on a promise.
		errs = append(errs, registry.Invalid("body.on", "%s is after today (%s): a status change is recorded once it takes effect", r.On, today))
	}
	if err := registry.JoinInvalid(errs...); err != nil {
		return registry.Entry{}, err
	}
	return n.commit(ctx, registry.KindEquivalency, id, nil, func(_ feedReader, prev *registry.Entry) (any, []registry.IndexKey, error) {
		if prev == nil {
			return nil, nil, fmt.Errorf("equivalency %q: %w", id, registry.ErrNotFound)
		}
		q, err := decode[registry.Equivalency](*prev)
		if err != nil {
			return nil, nil, err
		}
		h := q.History
		if len(h) == 0 {
			h = []registry.StatusChange{{Status: q.Status, On: q.ValidFrom, Reason: "recorded", ReasonFR: "enregistrée"}}
		}
		cur := registry.LastEffective(h)
		if h, err = applyChange(h, cur, r, p, today, registry.EquivalencyTransition); err != nil {
			return nil, nil, err
		}
		q.History, q.Status = h, registry.LastEffective(h)
		if err := q.Validate(); err != nil {
			return nil, nil, err
		}
		return q, []registry.IndexKey{{Name: "bn", Value: q.EmployerBN}}, nil
	})
}

// keepClosedAccounts carries over the WCB accounts a new employer version
// leaves out: an account removed is kept as closed the day before today
// (or on the day it was opened), so that answers about dates before the
// change are unchanged.
func keepClosedAccounts(prev, next registry.Employer, today registry.Date) registry.Employer {
	for _, a := range prev.WCBAccounts {
		found := false
		for _, b := range next.WCBAccounts {
			// The same account however its number is spelled
			// (4512-876 is 4512876), as a PUT's elements are matched.
			if a.Jurisdiction == b.Jurisdiction && registry.FoldWCB(a.Number) == registry.FoldWCB(b.Number) {
				found = true
				break
			}
		}
		if found {
			continue
		}
		if a.ClosedOn.IsZero() {
			a.ClosedOn = today.AddDays(-1)
			if !a.OpenedOn.IsZero() && a.ClosedOn.Before(a.OpenedOn) {
				a.ClosedOn = a.OpenedOn
			}
		}
		next.WCBAccounts = append(slices.Clone(next.WCBAccounts), a)
	}
	return next
}

// RequestLetter records the home association's request for a host's letter
// (a signed KindLetterRequest of this node's feed, which replicates to the
// host). A certifying partner asks only for a certificate it holds, and
// only while it is active (authorize); the program administrator asks for
// any certificate of this node. The certificate must be this node's and
// the employer's. r.RequestedOn zero: today, or the wanted issue day when
// that is earlier (a request recorded after the fact).
func (n *Node) RequestLetter(ctx context.Context, p Principal, r registry.LetterRequest) (registry.Entry, error) {
	switch p.Role {
	case RoleCP:
		if err := p.require(ScopeCertificates); err != nil {
			return registry.Entry{}, err
		}
	case RoleAdmin:
		if err := p.require(ScopeRules); err != nil {
			return registry.Entry{}, err
		}
	default:
		return registry.Entry{}, fmt.Errorf("only the home association or the program administrator asks for a letter: %w", registry.ErrForbidden)
	}
	r.Home = n.cfg.Jurisdiction
	// A CP's request is the CP's (its token's subject): the record
	// replicates and the host's letter copies it, so a CP may not sign one
	// that names another requester. The administrator may name who asked.
	if p.Role == RoleCP && r.RequestedBy != "" && r.RequestedBy != p.Subject {
		return registry.Entry{}, registry.Invalid("body.requested_by", "a certifying partner's request is requested by %s (its token); leave requested_by out", p.Subject)
	}
	if r.RequestedBy == "" {
		r.RequestedBy = p.Subject
	}
	if r.RequestedOn.IsZero() {
		r.RequestedOn = n.Today()
		if !r.IssueOn.IsZero() && r.IssueOn.Before(r.RequestedOn) {
			r.RequestedOn = r.IssueOn
		}
	}
	r.ID = registry.LetterRequestID(r.Host, r.Certificate, r.RequestedOn)
	if err := r.Validate(); err != nil {
		return registry.Entry{}, err
	}
	return n.commit(ctx, registry.KindLetterRequest, r.ID, nil, func(l feedReader, prev *registry.Entry) (any, []registry.IndexKey, error) {
		if prev != nil {
			return nil, nil, registry.Conflict("letter request %s already exists (one request per certificate, host and day)", r.ID)
		}
		ce, ok, err := exists(l, registry.KindCertificate, r.Certificate)
		if err != nil {
			return nil, nil, err
		}
		if !ok {
			return nil, nil, registry.Invalid("body.certificate", "no certificate %q on this node (%s): the home association asks through the certificate's own node", r.Certificate, n.cfg.Jurisdiction)
		}
		c, err := decode[registry.Certificate](ce)
		if err != nil {
			return nil, nil, err
		}
		if c.EmployerBN != r.EmployerBN {
			return nil, nil, registry.Invalid("body.employer_bn", "certificate %s is employer %s's, not %s's", r.Certificate, c.EmployerBN, r.EmployerBN)
		}
		if p.Role == RoleCP && c.Issuer != p.CP {
			return nil, nil, fmt.Errorf("certificate %s was issued by %s: CP %s asks for letters only for certificates it holds: %w", r.Certificate, c.Issuer, p.CP, registry.ErrForbidden)
		}
		return r, []registry.IndexKey{{Name: "bn", Value: r.EmployerBN}}, nil
	})
}
