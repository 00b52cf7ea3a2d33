package federation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/corfed/corfed/equivalence"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
)

// This file holds the federation side of a province running its own
// program: signing an agreement another party proposed (its terms come
// from that party's verified feed), who signed an agreement, issuing
// reciprocity letters (decided over the home certificate from the home
// node's verified feed) and listing them.

// partyCopy is what one party's own published copy of an agreement says.
type partyCopy struct {
	ref       registry.Ref
	iat       int64
	withdrawn *registry.Withdrawal
	jws       string // the copy's entry: a proof that cites the agreement carries the copies that withdraw
}

// noteCopy records copy (e, a) when it is a party's own.
func (g *agreementGroup) noteCopy(e registry.Entry, a registry.Agreement) {
	if !a.Terms.HasParty(e.Iss) {
		return
	}
	if g.party == nil {
		g.party = map[registry.Jurisdiction]partyCopy{}
	}
	g.party[e.Iss] = partyCopy{ref: e.Ref(), iat: e.Iat, withdrawn: a.Withdrawn, jws: e.JWS}
}

// withdrawingCopies returns the party copies whose withdrawal counts
// (see withdrawals) but for the evidence copy, as evidence, in party order.
func (g *agreementGroup) withdrawingCopies() []Evidence {
	var out []Evidence
	for _, w := range g.withdrawals() {
		if c := g.party[w.Party]; c.ref != g.fact.Ref {
			out = append(out, Evidence{Ref: c.ref, JWS: c.jws})
		}
	}
	return out
}

// withdrawals returns each party's own withdrawal (its own copy says so),
// in party order.
func (g *agreementGroup) withdrawals() []registry.Withdrawal {
	var out []registry.Withdrawal
	for p, c := range g.party {
		if w := c.withdrawn; w != nil && w.Party == p {
			out = append(out, registry.Withdrawal{Party: p, On: w.On})
		}
	}
	slices.SortFunc(out, func(a, b registry.Withdrawal) int { return strings.Compare(string(a.Party), string(b.Party)) })
	return out
}

// viewLogs runs fn over the node's own feed and the verified replicas.
// fn reads one snapshot (node.View).
func (l *Lookups) viewLogs(ctx context.Context, fn func(sn node.Snapshot, srcs []source) error) error {
	srcs := l.sources()
	return l.fed.Node().View(ctx, func(sn node.Snapshot) error { return fn(sn, srcs) })
}

func (l *Lookups) ruleBook(ctx context.Context) (*ruleCache, error) {
	var rc *ruleCache
	err := l.viewLogs(ctx, func(sn node.Snapshot, srcs []source) error {
		var err error
		rc, err = l.ruleSet(sn, srcs)
		return err
	})
	return rc, err
}

// catchUp syncs every peer now and reports whether a sync that began
// after the call did ended (so that what the caller read before may be
// stale). A program administrator signs an agreement or issues a letter
// right after another node published what it rests on, and a question
// follows a signature on another node within milliseconds; waiting for the
// background sync would refuse them for up to its interval. On-demand
// syncs run one at a time: callers that arrive while one runs share the
// next, so a flood of questions costs one sync after another, never more
// at once nor more than one per catchUpSpacing (each sync asks each peer
// for its checkpoint, and for the feed only when it grew). A caller waits
// no longer than its ctx, and peers whose last sync failed recently are
// skipped (catchUpSkipFailed).
func (l *Lookups) catchUp(ctx context.Context) bool {
	if len(l.fed.Members()) <= 1 {
		return false
	}
	start := time.Now()
	select {
	case l.catchingUp <- struct{}{}:
	case <-ctx.Done():
		return false
	}
	defer func() { <-l.catchingUp }()
	if !l.caughtUp.Before(start) {
		return true // a sync that began after this call has ended
	}
	// Syncs on demand begin catchUpSpacing apart at least: a flood of
	// questions (anyone may ask) asks each peer for its checkpoint at most
	// 1/catchUpSpacing times a second, not as fast as the peers answer.
	if wait := catchUpSpacing - time.Since(l.caughtUp); wait > 0 {
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return false
		}
	}
	began := time.Now()
	l.fed.syncPeers(ctx, catchUpSkipFailed)
	l.caughtUp = began
	return true
}

// catchUpSkipFailed: an on-demand sync skips a peer whose last sync failed
// less than this ago, so a peer that is down or hangs does not add
// catchUpWait to every question; the background sync keeps trying it, and
// answers say how fresh its records are.
const catchUpSkipFailed = 30 * time.Second

// catchUpSpacing is the least time between the beginnings of two syncs
// on demand (catchUp): what a question may wait beyond its sync.
const catchUpSpacing = 25 * time.Millisecond

// catchUpWait bounds how long a question waits for its on-demand sync; a
// peer that does not answer by then is read as last synced (the answer's
// freshness says how old that is).
const catchUpWait = 2 * time.Second

// freshen is catchUp bounded by catchUpWait.
func (l *Lookups) freshen(ctx context.Context) {
	if len(l.fed.order) == 0 {
		return // no peer: spare the timer
	}
	cctx, cancel := context.WithTimeout(ctx, catchUpWait)
	defer cancel()
	l.catchUp(cctx)
}

// RecognizeFresh is Recognize after syncing with the peers (catchUp, at
// most catchUpWait): an answer rests on other nodes' records (the home
// certificate and its corrections, the employer's accounts, each party's
// signature of an agreement and of its revision), and a question often
// follows, within milliseconds, the write on another node it is about.
// Questions asked together share one sync.
func (l *Lookups) RecognizeFresh(ctx context.Context, q equivalence.Question) (Answer, error) {
	l.freshen(ctx)
	return l.Recognize(ctx, q)
}

// PartyState is one party's part in an agreement.
type PartyState struct {
	Party     registry.Jurisdiction `json:"party"`
	Signed    bool                  `json:"signed" doc:"Its signature over the canonical terms verified against its pinned key."`
	Published *registry.Ref         `json:"published,omitempty" doc:"Its own signed copy of the agreement, when this node holds it."`
	SignedAt  time.Time             `json:"signed_at,omitzero" doc:"When its node signed the copy that carries its signature."`
	Withdrawn *registry.Withdrawal  `json:"withdrawn,omitempty"`
}

// AgreementState says who signed an agreement and whether it counts.
type AgreementState struct {
	ID       string                  `json:"id"`
	Terms    registry.AgreementTerms `json:"terms"`
	Parties  []PartyState            `json:"parties"`
	SignedBy []registry.Jurisdiction `json:"signed_by"`
	Unsigned []registry.Jurisdiction `json:"unsigned_by"`
	Counts   bool                    `json:"counts" doc:"Every party's signature verified and no party withdrew: recognition may rest on it between any two parties (within its effective dates). After a withdrawal (parties[].withdrawn) it still counts between the parties that did not withdraw."`
	// WithdrawnOn is the earliest date a party withdrew.
	WithdrawnOn registry.Date `json:"withdrawn_on,omitzero"`
	Evidence
}

// ErrAmbiguousTerms: several different terms were published under one id.
var errAmbiguous = errors.New("ambiguous")

// agreement returns the group of agreement id (one terms text) that a
// party to it published; when parties published different terms under
// the id, the one this node's jurisdiction published, else an error.
// Terms published under the id by none of their parties are set aside: a
// member cannot squat another's id, nor make it ambiguous.
func (rc *ruleCache) agreement(id string, self registry.Jurisdiction) (*agreementGroup, error) {
	var found []*agreementGroup
	for i := range rc.agreements {
		g := &rc.agreements[i]
		if g.fact.Agreement.Terms.ID == id {
			if _, ok := g.party[self]; ok {
				return g, nil
			}
			if len(g.party) > 0 {
				found = append(found, g)
			}
		}
	}
	switch len(found) {
	case 0:
		return nil, fmt.Errorf("no node of the federation published agreement %q (or its copy has not synced yet): %w", id, registry.ErrNotFound)
	case 1:
		return found[0], nil
	}
	return nil, registry.Conflict("parties published %d different terms under agreement id %q: %v", len(found), id, errAmbiguous)
}

// Agreement returns who signed agreement id, syncing with the peers first
// (catchUp) when this node has no copy yet or some party's signature has
// not arrived.
func (l *Lookups) Agreement(ctx context.Context, id string) (AgreementState, error) {
	st, err := l.agreementState(ctx, id)
	if (errors.Is(err, registry.ErrNotFound) || err == nil && len(st.Unsigned) > 0) && l.catchUp(ctx) {
		return l.agreementState(ctx, id)
	}
	return st, err
}

func (l *Lookups) agreementState(ctx context.Context, id string) (AgreementState, error) {
	rc, err := l.ruleBook(ctx)
	if err != nil {
		return AgreementState{}, err
	}
	g, err := rc.agreement(id, l.fed.Node().Jurisdiction())
	if err != nil {
		return AgreementState{}, err
	}
	t := g.fact.Agreement.Terms
	st := AgreementState{ID: id, Terms: t, SignedBy: g.fact.SignedBy, Unsigned: []registry.Jurisdiction{},
		Evidence: Evidence{Ref: g.fact.Ref, JWS: g.jws}}
	st.WithdrawnOn, _ = g.fact.FirstWithdrawal()
	if st.SignedBy == nil {
		st.SignedBy = []registry.Jurisdiction{}
	}
	for _, p := range t.Parties {
		ps := PartyState{Party: p, Signed: slices.Contains(g.fact.SignedBy, p)}
		if c, ok := g.party[p]; ok {
			ref := c.ref
			ps.Published, ps.Withdrawn = &ref, c.withdrawn
			if ps.Signed {
				ps.SignedAt = time.Unix(c.iat, 0).UTC()
			}
		}
		if !ps.Signed {
			st.Unsigned = append(st.Unsigned, p)
		}
		st.Parties = append(st.Parties, ps)
	}
	st.Counts = len(st.Unsigned) == 0 && st.WithdrawnOn.IsZero() && t.HasParty(g.fact.Ref.Iss)
	return st, nil
}

// SignAgreement publishes this node's signed copy of agreement id, whose
// terms another party proposed: the terms come from the verified copies of
// the federation, carried with the other parties' verified signatures.
func (l *Lookups) SignAgreement(ctx context.Context, p node.Principal, id string) (registry.Entry, error) {
	n := l.fed.Node()
	if err := n.MayRunProgram(p, "signs agreements"); err != nil {
		return registry.Entry{}, err
	}
	rc, err := l.ruleBook(ctx)
	if err != nil {
		return registry.Entry{}, err
	}
	g, err := rc.agreement(id, n.Jurisdiction())
	if errors.Is(err, registry.ErrNotFound) && l.catchUp(ctx) {
		if rc, err = l.ruleBook(ctx); err == nil {
			g, err = rc.agreement(id, n.Jurisdiction())
		}
	}
	if err != nil {
		return registry.Entry{}, err
	}
	t := g.fact.Agreement.Terms
	if !t.HasParty(n.Jurisdiction()) {
		return registry.Entry{}, fmt.Errorf("%s is not a party to agreement %s (parties %v): %w", n.Jurisdiction(), id, t.Parties, registry.ErrForbidden)
	}
	var others []registry.PartySignature
	for _, party := range t.Parties {
		if s, ok := g.partySig[party]; ok && party != n.Jurisdiction() {
			others = append(others, registry.PartySignature{Party: string(party), JWS: s})
		}
	}
	return n.CountersignAgreement(ctx, p, t, others, l.fed.KeySet)
}

// LetterRequest asks the host's node for a reciprocity letter.
type LetterRequest struct {
	EmployerBN  string
	Certificate string
	Host        registry.Jurisdiction
	Kind        string
	IssuedOn    registry.Date
	RequestedBy string
	// Request names the home node's letter request the letter answers
	// (optional: a pending request of the home node for the same
	// certificate, host and kind, made on or before IssuedOn, is found
	// without it). RequestedOn dates a request made by other means.
	Request     string
	RequestedOn registry.Date
	// Lang is the language of a refusal's reasons (LetterRefused), as a
	// recognition answer's: the request's (Accept-Language); default
	// English. The letter itself does not depend on it.
	Lang equivalence.Lang
}

// LetterRefused says the rules do not allow a letter, with the reasons a
// recognition answer would give (their codes are equivalence's).
type LetterRefused struct {
	Reasons []equivalence.Reason
}

func (e *LetterRefused) Error() string {
	codes := make([]string, 0, len(e.Reasons))
	for _, r := range e.Reasons {
		codes = append(codes, r.Code)
	}
	return "the rules do not allow this letter: " + strings.Join(codes, ", ")
}

func (e *LetterRefused) Unwrap() error { return registry.ErrInvalid }

// IssueLetter decides and stores a host's reciprocity letter. The home
// certificate (by id) comes from its jurisdiction's verified feed; the
// letter is allowed when the certificate is recognized in the host under an
// agreement on the issue date, for the letter's use, and it expires on the
// day that recognition ends: the earlier of the certificate's expiry and
// the host's cap counted from the issue date (and the agreement's end).
func (l *Lookups) IssueLetter(ctx context.Context, p node.Principal, r LetterRequest) (registry.Entry, error) {
	// The home certificate, its corrections, the request and the
	// agreement's signatures come from other nodes: read them fresh.
	l.freshen(ctx)
	return l.issueLetter(ctx, p, r)
}

// CheckLetterToIssue checks what of letter request r a host's node
// (jurisdiction host) can check before reading any record, every problem
// at once: the issue date, the BN's check digit, the kind, the host, and a
// request dated after the issue.
func CheckLetterToIssue(r LetterRequest, host registry.Jurisdiction) error {
	var errs []error
	if r.IssuedOn.IsZero() {
		errs = append(errs, registry.Invalid("body.issued_on", "required: the day the letter is issued (YYYY-MM-DD)"))
	} else if r.RequestedOn.After(r.IssuedOn) {
		errs = append(errs, registry.Invalid("body.requested_on", "the letter cannot be issued (%s) before it was requested (%s)", r.IssuedOn, r.RequestedOn))
	}
	errs = append(errs, registry.CheckBN("body.employer_bn", r.EmployerBN))
	if !slices.Contains(registry.LetterKinds, r.Kind) {
		errs = append(errs, registry.Invalid("body.kind", "one of bid, temporary, equivalency"))
	}
	if r.Host != host {
		errs = append(errs, registry.Invalid("body.host", "this node issues letters only as host %s, not %s (ask %s's node)", host, r.Host, r.Host))
	}
	return registry.JoinInvalid(errs...)
}

func (l *Lookups) issueLetter(ctx context.Context, p node.Principal, r LetterRequest) (registry.Entry, error) {
	n := l.fed.Node()
	if err := n.MayRunProgram(p, "issues reciprocity letters"); err != nil {
		return registry.Entry{}, err
	}
	if err := CheckLetterToIssue(r, n.Jurisdiction()); err != nil {
		return registry.Entry{}, err
	}
	var (
		facts    equivalence.Facts
		cert     *equivalence.CertificateFact
		rc       *ruleCache
		requests []registry.LetterRequest
		answered = map[string]string{} // request id -> the letter that answers it
	)
	err := l.viewLogs(ctx, func(sn node.Snapshot, srcs []source) error {
		var err error
		if rc, err = l.ruleSet(sn, srcs); err != nil {
			return err
		}
		if requests, answered, err = l.letterRequests(sn, srcs, r.EmployerBN); err != nil {
			return err
		}
		for _, s := range srcs {
			var all equivalence.Facts
			if err := collect(l.logOf(sn, s), s.iss, r.EmployerBN, &all, map[registry.Ref]string{}); err != nil {
				return err
			}
			facts.Employers = append(facts.Employers, all.Employers...)
			for _, lf := range all.Letters {
				if !lf.Letter.WorkStartedOn.IsZero() { // a void letter stays void for a new one
					facts.Letters = append(facts.Letters, lf)
				}
			}
			for i := range all.Certificates {
				if all.Certificates[i].Certificate.ID == r.Certificate {
					c := all.Certificates[i]
					cert = &c
				}
			}
		}
		return nil
	})
	if err != nil {
		return registry.Entry{}, err
	}
	if cert == nil {
		return registry.Entry{}, registry.Invalid("body.certificate", "no certificate %q of employer %s in any member's verified records", r.Certificate, r.EmployerBN)
	}
	if cert.Certificate.Jurisdiction == r.Host {
		return registry.Entry{}, registry.Invalid("body.certificate", "%s is %s's own certificate: it needs no letter there", r.Certificate, r.Host)
	}
	req, err := matchRequest(r, cert.Certificate.Jurisdiction, requests, answered)
	if err != nil {
		return registry.Entry{}, err
	}
	facts.Certificates = []equivalence.CertificateFact{*cert}
	facts.HostRules = rc.hostRules
	for i := range rc.agreements {
		facts.Agreements = append(facts.Agreements, rc.agreements[i].fact)
	}
	use := registry.LetterUse(r.Kind)
	d := equivalence.Decide(equivalence.Question{BN: r.EmployerBN, Host: r.Host, On: r.IssuedOn, Use: use, Lang: r.Lang}, facts)
	if d.Outcome == equivalence.NotRecognized || d.Basis != equivalence.BasisAgreement {
		return registry.Entry{}, &LetterRefused{Reasons: d.Reasons}
	}
	var agreement string
	var voids bool
	for _, ref := range d.Evidence {
		if ref.Kind != registry.KindAgreement || agreement != "" {
			continue
		}
		for _, g := range rc.agreements {
			if g.fact.Ref == ref {
				agreement = g.fact.Agreement.Terms.ID
				if ht, ok := g.fact.Agreement.Terms.Host(r.Host); ok {
					voids = slices.Contains(ht.Conditions, registry.CondVoidOnceWorkStarts)
				}
			}
		}
	}
	lt := registry.Letter{
		ID: registry.LetterID(r.Host, r.Certificate, r.IssuedOn), EmployerBN: r.EmployerBN, Certificate: r.Certificate,
		Home: cert.Certificate.Jurisdiction, Host: r.Host, Kind: r.Kind, IssuedOn: r.IssuedOn, ExpiresOn: d.ValidUntil,
		Agreement: agreement, RequestedBy: r.RequestedBy, RequestedOn: r.RequestedOn, InvalidatedBy: []string{registry.TriggerHomeInactive},
	}
	if req != nil {
		lt.Request, lt.RequestedOn = req.ID, req.RequestedOn
		if lt.RequestedBy == "" {
			lt.RequestedBy = req.RequestedBy + " (" + string(req.Home) + ")"
		}
	}
	if voids {
		lt.InvalidatedBy = append(lt.InvalidatedBy, registry.TriggerWorkStarted)
	}
	return n.IssueLetter(ctx, p, lt)
}

// letterRequests returns employer bn's letter requests (each from its home
// jurisdiction's feed) and which of them a letter of this node answers.
func (l *Lookups) letterRequests(sn node.Snapshot, srcs []source, bn string) ([]registry.LetterRequest, map[string]string, error) {
	var out []registry.LetterRequest
	answered := map[string]string{}
	for _, s := range srcs {
		lg := l.logOf(sn, s)
		refs, err := lg.Lookup("bn", bn, false, node.MaxLimit)
		if err != nil {
			return nil, nil, err
		}
		for _, ref := range refs {
			if ref.Kind != registry.KindLetterRequest && ref.Kind != registry.KindLetter {
				continue
			}
			e, err := lg.Latest(ref.Kind, ref.ID)
			if err != nil {
				return nil, nil, err
			}
			if ref.Kind == registry.KindLetter {
				var lt registry.Letter
				if err := json.Unmarshal(e.Record, &lt); err != nil {
					return nil, nil, err
				}
				if lt.Request != "" && lt.Host == s.iss {
					answered[lt.Request] = lt.ID
				}
				continue
			}
			var rq registry.LetterRequest
			if err := json.Unmarshal(e.Record, &rq); err != nil {
				return nil, nil, err
			}
			if rq.Home == s.iss {
				out = append(out, rq)
			}
		}
	}
	return out, answered, nil
}

// matchRequest returns the request letter r answers: the one r names, or
// else the latest unanswered request of home for the same certificate,
// host and kind made on or before the issue day (nil: none).
func matchRequest(r LetterRequest, home registry.Jurisdiction, requests []registry.LetterRequest, answered map[string]string) (*registry.LetterRequest, error) {
	fits := func(q registry.LetterRequest) bool {
		return q.Home == home && q.Host == r.Host && q.Certificate == r.Certificate && q.Kind == r.Kind && !q.RequestedOn.After(r.IssuedOn)
	}
	if r.Request != "" {
		for _, q := range requests {
			if q.ID != r.Request {
				continue
			}
			if !fits(q) {
				return nil, registry.Invalid("body.request", "request %s asks for a %s letter of %s for %s from %s: it does not match this letter (or was made after %s)", q.ID, q.Kind, q.Host, q.Certificate, q.RequestedOn, r.IssuedOn)
			}
			if id, ok := answered[q.ID]; ok {
				return nil, registry.Conflict("request %s is already answered by letter %s", q.ID, id)
			}
			return &q, nil
		}
		return nil, registry.Invalid("body.request", "no letter request %q of %s for employer %s in the verified records (or it has not synced yet)", r.Request, home, r.EmployerBN)
	}
	var best *registry.LetterRequest
	for i, q := range requests {
		if _, done := answered[q.ID]; done || !fits(q) {
			continue
		}
		if best == nil || q.RequestedOn.After(best.RequestedOn) {
			best = &requests[i]
		}
	}
	return best, nil
}

// RequestView is a letter request with the letter that answers it, if any.
type RequestView struct {
	Request registry.LetterRequest `json:"request"`
	Letter  string                 `json:"letter,omitempty" doc:"The host's letter that answers the request (absent: pending, or its letter has not synced here yet)."`
}

// LetterRequests lists employer bn's letter requests (from their home
// nodes' verified feeds) with the letters that answer them.
func (l *Lookups) LetterRequests(ctx context.Context, bn string) ([]RequestView, error) {
	if err := registry.CheckBN("query.bn", bn); err != nil {
		return nil, err
	}
	out := []RequestView{}
	err := l.viewLogs(ctx, func(sn node.Snapshot, srcs []source) error {
		rs, answered, err := l.letterRequests(sn, srcs, bn)
		for _, r := range rs {
			out = append(out, RequestView{Request: r, Letter: answered[r.ID]})
		}
		return err
	})
	return out, err
}

// Letter states on a date.
const (
	LetterActive        = "active"
	LetterNotYetValid   = "not_yet_valid"
	LetterExpired       = "expired"
	LetterVoid          = "void_work_started"
	LetterHomeNotActive = "home_certificate_not_active"
)

// LetterView is a letter with what it is on a date.
type LetterView struct {
	Evidence
	Letter  registry.Letter `json:"letter"`
	AsOf    registry.Date   `json:"as_of"`
	StateOn string          `json:"state_as_of" enum:"active,not_yet_valid,expired,void_work_started,home_certificate_not_active" doc:"What the letter is on as_of: it stops counting when its home certificate stops being active, and where the host's terms say so, once work starts."`
}

// Letters lists the letters of employer bn from every member (the hosts'
// nodes issue them), with their state on asOf (zero: today in each host's
// zone), after syncing with the peers (catchUp).
func (l *Lookups) Letters(ctx context.Context, bn string, asOf registry.Date) ([]LetterView, error) {
	if err := registry.CheckBN("query.bn", bn); err != nil {
		return nil, err
	}
	l.freshen(ctx)
	now := l.fed.Node().Now()
	out := []LetterView{}
	err := l.viewLogs(ctx, func(sn node.Snapshot, srcs []source) error {
		var f equivalence.Facts
		for _, s := range srcs {
			if err := collect(l.logOf(sn, s), s.iss, bn, &f, map[registry.Ref]string{}); err != nil {
				return err
			}
		}
		for _, s := range srcs {
			lg := l.logOf(sn, s)
			refs, err := lg.Lookup("bn", bn, false, node.MaxLimit)
			if err != nil {
				return err
			}
			for _, r := range refs {
				if r.Kind != registry.KindLetter {
					continue
				}
				e, err := lg.Latest(r.Kind, r.ID)
				if err != nil {
					return err
				}
				var lt registry.Letter
				if err := json.Unmarshal(e.Record, &lt); err != nil {
					return err
				}
				if lt.Host != s.iss {
					continue
				}
				on := asOf
				if on.IsZero() {
					on = node.TodayIn(lt.Host, now)
				}
				out = append(out, LetterView{Evidence: Evidence{Ref: e.Ref(), JWS: e.JWS}, Letter: lt, AsOf: on, StateOn: letterState(lt, f.Certificates, on)})
			}
		}
		return nil
	})
	return out, err
}

func letterState(lt registry.Letter, certs []equivalence.CertificateFact, on registry.Date) string {
	switch {
	case on.Before(lt.IssuedOn):
		return LetterNotYetValid
	case on.After(lt.ExpiresOn):
		return LetterExpired
	case slices.Contains(lt.InvalidatedBy, registry.TriggerWorkStarted) && !lt.WorkStartedOn.IsZero() && !on.Before(lt.WorkStartedOn):
		return LetterVoid
	}
	for i := range certs {
		c := &certs[i].Certificate
		if c.ID == lt.Certificate && c.Jurisdiction == lt.Home && certs[i].Ref.Iss == c.Jurisdiction {
			if c.StatusOn(on) == registry.StatusActive {
				return LetterActive
			}
		}
	}
	return LetterHomeNotActive
}
