package node

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/corfed/corfed/registry"
)

func reviewKeys(r registry.Review) []registry.IndexKey {
	keys := []registry.IndexKey{{Name: "bn", Value: r.EmployerBN}, {Name: "cert", Value: r.Certificate}}
	if r.ClosedOn.IsZero() {
		keys = append(keys, registry.IndexKey{Name: "review_open", Value: r.OpenedOn.String()})
	}
	return keys
}

func removalKeys(r registry.Removal) []registry.IndexKey {
	if r.CP != "" { // a proposal to suspend a CP (lifecycle.go)
		return []registry.IndexKey{{Name: "cp_removal", Value: r.CP}, {Name: "removal", Value: r.Status}}
	}
	return []registry.IndexKey{{Name: "cert", Value: r.Certificate}, {Name: "removal", Value: r.Status}}
}

func qaKeys(q registry.QAReview) []registry.IndexKey {
	return []registry.IndexKey{{Name: "auditor", Value: q.Auditor}, {Name: "cp_qa", Value: q.CP}}
}

// maxReviewRefs bounds the removal proposals of one CP or certificate
// read to find one awaiting a decision. (An employer's reviews,
// stop-work orders and certificates are all read, allRefs: under its
// business number they come in kind and id order, stop-work orders last
// and oldest first, so a cap dropped the newest.)
const maxReviewRefs = 200

// NewReview is what the administrator gives to open an Employer Review.
type NewReview struct {
	EmployerBN  string
	Certificate string
	Trigger     string
	OccurredOn  registry.Date
	OpenedOn    registry.Date // default today
	Reason      string
}

// ReviewID is the id of the review of certificate cert opened on d (the
// first of that day: see reviewIDFor).
func ReviewID(cert string, d registry.Date) string {
	return "ER-" + cert + "-" + strings.ReplaceAll(d.String(), "-", "")
}

// maxReviewsADay bounds the reviews of one certificate opened on one day.
const maxReviewsADay = 20

// reviewIDFor is the id of new review r: ReviewID of its certificate and
// opening day for the first review of that day (so every id stored before
// keeps its meaning), that id with -2, -3, … for the next ones: two
// reviews of one certificate opened the same day (a fatality and a
// serious injury, or one trigger's two occurrences) are both recorded. A
// review on file that r repeats (the same employer, trigger, occurrence
// and opening reason: the request sent again) is a conflict, as it was
// before, so a request sent twice does not open two reviews (which would
// count twice toward the repeat and removal rules). Reviews open one at a
// time (n.reviews), and the commit refuses an id taken meanwhile.
func (n *Node) reviewIDFor(ctx context.Context, r registry.Review) (string, error) {
	base := ReviewID(r.Certificate, r.OpenedOn)
	for k := 1; k <= maxReviewsADay; k++ {
		id := base
		if k > 1 {
			id = fmt.Sprintf("%s-%d", base, k)
			if !registry.ValidID(id) {
				return "", registry.Invalid("body.certificate", "the id of certificate %s is too long for another review opened on %s", r.Certificate, r.OpenedOn)
			}
		}
		e, err := n.Record(ctx, registry.KindReview, id)
		if errors.Is(err, registry.ErrNotFound) {
			return id, nil
		}
		if err != nil {
			return "", err
		}
		o, err := decode[registry.Review](e)
		if err != nil {
			return "", err
		}
		if o.EmployerBN == r.EmployerBN && o.Trigger == r.Trigger && o.OccurredOn == r.OccurredOn &&
			len(o.History) > 0 && o.History[0].Reason == r.History[0].Reason {
			return "", registry.Conflict("review %s already exists", id)
		}
	}
	return "", registry.Conflict("certificate %s has %d reviews opened on %s already", r.Certificate, maxReviewsADay, r.OpenedOn)
}

func (n *Node) requireAdmin(p Principal, scope, what string) error {
	if err := p.require(scope); err != nil {
		return err
	}
	if p.Role != RoleAdmin {
		return fmt.Errorf("only the program administrator %s: %w", what, registry.ErrForbidden)
	}
	return nil
}

// reviewsOf returns the reviews of employer bn in the node's feed.
func reviewsOf(l registry.Log, bn string) ([]registry.Review, error) {
	refs, err := allRefs(l, "bn", bn)
	if err != nil {
		return nil, err
	}
	var out []registry.Review
	for _, ref := range refs {
		if ref.Kind != registry.KindReview {
			continue
		}
		e, err := l.Latest(ref.Kind, ref.ID)
		if err != nil {
			return nil, err
		}
		r, err := decode[registry.Review](e)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// LaterReviews returns the ids of the reviews of r's employer, opened
// after r, that list r among their related reviews: those the repeat rule
// made require a full external audit because of r, whether r was on file
// first or recorded late (repeatOnLater). Sorted by opening date, then id.
func (n *Node) LaterReviews(ctx context.Context, r registry.Review) ([]string, error) {
	var later []registry.Review
	err := n.db.View(ctx, func(tx registry.StoreTx) error {
		rs, err := reviewsOf(tx.Log(SelfLog), r.EmployerBN)
		for _, o := range rs {
			if o.ID != r.ID && o.OpenedOn.After(r.OpenedOn) && slices.Contains(o.Related, r.ID) {
				later = append(later, o)
			}
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(later, func(a, b registry.Review) int {
		return cmp.Or(a.OpenedOn.Compare(b.OpenedOn), cmp.Compare(a.ID, b.ID))
	})
	ids := make([]string, len(later))
	for i, o := range later {
		ids[i] = o.ID
	}
	return ids, nil
}

// OpenReview opens an Employer Review of a certificate of this node. The
// PIR refund is withheld while it is open. A trigger within the program's
// repeat window of an earlier review of the same employer requires a full
// external audit (rule review.repeat), whichever was recorded first: an
// open review opened within the window after this one is given that
// requirement too (repeatOnLater). Only the administrator may.
func (n *Node) OpenReview(ctx context.Context, p Principal, in NewReview) (registry.Review, registry.Entry, error) {
	if err := n.requireAdmin(p, ScopeReviews, "opens Employer Reviews"); err != nil {
		return registry.Review{}, registry.Entry{}, err
	}
	// The repeat rule reads the employer's earlier reviews and the commit
	// adds this one: two reviews opened at once would each miss the
	// other, so openings are one at a time (an administrator's act, rare).
	n.reviews.Lock()
	defer n.reviews.Unlock()
	return n.openReview(ctx, p, in)
}

// testHookReviewChecked, when a test sets it, runs after a review's
// certificate was checked in a snapshot and before the review is queued:
// where another write may land first.
var testHookReviewChecked func()

// reviewable refuses a review of certificate c opened on day on when c is
// over then: a review withholds a refund and counts toward the repeat and
// removal rules, which mean nothing for a certificate that cannot hold.
func reviewable(c registry.Certificate, on registry.Date) error {
	if st := c.StatusOn(on); registry.Terminal(st) {
		return registry.Invalid("body.certificate", "certificate %s is %s on %s; a review is of a certificate that may still hold", c.ID, st, on)
	}
	return nil
}

// openReview is OpenReview, n.reviews held.
func (n *Node) openReview(ctx context.Context, p Principal, in NewReview) (registry.Review, registry.Entry, error) {
	if in.OpenedOn.IsZero() {
		in.OpenedOn = n.Today()
	}
	reasonFR := ""
	if in.Reason == "" {
		in.Reason = "review opened on trigger " + in.Trigger
		reasonFR = "examen ouvert sur le déclencheur « " + registry.TriggerFR[in.Trigger] + " »"
	}
	r := registry.Review{ID: ReviewID(in.Certificate, in.OpenedOn), Jurisdiction: n.cfg.Jurisdiction, EmployerBN: in.EmployerBN,
		Certificate: in.Certificate, Trigger: in.Trigger, OccurredOn: in.OccurredOn, OpenedOn: in.OpenedOn,
		Status: registry.ReviewOpen, RefundWithheld: true,
		History: []registry.ReviewStep{{Action: "open", Reason: in.Reason, ReasonFR: reasonFR, On: in.OpenedOn, By: p.Subject}}}
	if !registry.ValidID(in.Certificate) {
		return r, registry.Entry{}, registry.Invalid("body.certificate", "the id of the certificate under review")
	}
	if err := r.Validate(); err != nil {
		return r, registry.Entry{}, err
	}
	today := n.Today()
	var errs []error
	if r.OpenedOn.After(today) {
		errs = append(errs, registry.Invalid("body.opened_on", "%s is after today (%s)", r.OpenedOn, today))
	}
	if r.OccurredOn.After(today) {
		errs = append(errs, registry.Invalid("body.occurred_on", "%s is after today (%s): a review is opened on a trigger that occurred", r.OccurredOn, today))
	}
	ce, err := n.Record(ctx, registry.KindCertificate, r.Certificate)
	if err != nil {
		return r, registry.Entry{}, registry.JoinInvalid(append(errs, registry.Invalid("body.certificate", "no certificate %q on this node", r.Certificate))...)
	}
	c, err := decode[registry.Certificate](ce)
	if err != nil {
		return r, registry.Entry{}, err
	}
	switch {
	case c.EmployerBN != r.EmployerBN:
		errs = append(errs, registry.Invalid("body.certificate", "certificate %s is employer %s's, not %s's", c.ID, c.EmployerBN, r.EmployerBN))
	case r.OpenedOn.Before(c.IssuedOn):
		errs = append(errs, registry.Invalid("body.opened_on", "%s is before certificate %s was issued (%s)", r.OpenedOn, c.ID, c.IssuedOn))
	default:
		errs = append(errs, reviewable(c, r.OpenedOn))
	}
	if err := registry.JoinInvalid(errs...); err != nil {
		return r, registry.Entry{}, err
	}
	prog, err := n.Program(ctx, cmpOr(c.ProgramDefinition, c.Program))
	if err != nil {
		return r, registry.Entry{}, err
	}
	if r.Trigger == registry.TriggerStopWorkOrders {
		if err := n.countStopWork(ctx, &r, c, prog.Review); err != nil {
			return r, registry.Entry{}, err
		}
	}
	earlier, err := n.earlierReviews(ctx, r, prog.Review.RepeatMonths)
	if err != nil {
		return r, registry.Entry{}, err
	}
	if len(earlier) > 0 {
		r.FullAuditRequired, r.Rule, r.Related = true, prog.Review.RepeatCode, earlier
		r.RequiredAction, r.Status, r.ActionFrom = registry.RequiredFullAudit, registry.ReviewActionRequired, r.OpenedOn
		r.History = append(slices.Clip(r.History), registry.ReviewStep{Action: registry.ReviewRequireFullAudit, On: r.OpenedOn, By: p.Subject, Rule: prog.Review.RepeatCode,
			Reason:   fmt.Sprintf("a second trigger within %d months of review %s requires a full external audit", prog.Review.RepeatMonths, earlier[len(earlier)-1]),
			ReasonFR: fmt.Sprintf("un deuxième déclencheur dans les %d mois suivant l'examen %s exige un audit externe complet", prog.Review.RepeatMonths, earlier[len(earlier)-1])})
	}
	if r.ID, err = n.reviewIDFor(ctx, r); err != nil {
		return r, registry.Entry{}, err
	}
	if testHookReviewChecked != nil {
		testHookReviewChecked()
	}
	e, err := n.commit(ctx, registry.KindReview, r.ID, nil, func(l feedReader, prev *registry.Entry) (any, []registry.IndexKey, error) {
		if prev != nil {
			return nil, nil, registry.Conflict("review %s already exists", r.ID)
		}
		// The certificate as writes are ordered: one cancelled or revoked
		// since the check above is not reviewed.
		ce, err := l.Latest(registry.KindCertificate, r.Certificate)
		if err != nil {
			return nil, nil, err
		}
		c, err := decode[registry.Certificate](ce)
		if err != nil {
			return nil, nil, err
		}
		if err := reviewable(c, r.OpenedOn); err != nil {
			return nil, nil, err
		}
		return r, reviewKeys(r), nil
	})
	if err != nil {
		return r, e, err
	}
	if r, err = decode[registry.Review](e); err != nil {
		return r, e, err
	}
	// The review is stored: the rules' consequences for the others are
	// recorded even if the client has gone.
	ctx = context.WithoutCancel(ctx)
	if err := n.repeatOnLater(ctx, p, r); err != nil {
		return r, e, err
	}
	_, err = n.proposeRemoval(ctx, r.ID) // lifecycle.go
	return r, e, err
}

// repeatOnLater applies the repeat rule to the reviews opened after r, n.reviews
// held. The rule judges a review by those opened before it, so a review
// recorded late (a fatality reported to the program late, say) is one of
// them for a review already on file: each open review of r's employer
// opened after r, within its program's repeat window, that does not yet
// require a full audit by the rule gets a require_full_audit step under
// the rule naming r, dated today (the day the rule learnt of r), as
// openReview gives a review opened second. An action plan it required is
// replaced: the administrator sets the full audit's due date with
// require_full_audit. Each step is its own signed version of that review,
// and the removal rule is applied to it as on any write on a review.
func (n *Node) repeatOnLater(ctx context.Context, p Principal, r registry.Review) error {
	type later struct {
		id, code string
		months   int
	}
	var todo []later
	err := n.db.View(ctx, func(tx registry.StoreTx) error {
		l := tx.Log(SelfLog)
		rs, err := reviewsOf(l, r.EmployerBN)
		if err != nil {
			return err
		}
		for _, o := range rs {
			if o.ID == r.ID || !o.ClosedOn.IsZero() || o.FullAuditRequired || !o.OpenedOn.After(r.OpenedOn) {
				continue
			}
			ce, err := l.Latest(registry.KindCertificate, o.Certificate)
			if err != nil {
				return err
			}
			c, err := decode[registry.Certificate](ce)
			if err != nil {
				return err
			}
			prog, err := programIn(l, cmpOr(c.ProgramDefinition, c.Program))
			if err != nil {
				return err
			}
			// Within months, as earlierReviews counts: a review opened
			// exactly months after r is not.
			if m := prog.Review.RepeatMonths; m > 0 && o.OpenedOn.Before(r.OpenedOn.AddMonths(m)) {
				todo = append(todo, later{o.ID, prog.Review.RepeatCode, m})
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	today := n.Today()
	for _, lt := range todo {
		_, err := n.commit(ctx, registry.KindReview, lt.id, nil, func(l feedReader, prev *registry.Entry) (any, []registry.IndexKey, error) {
			if prev == nil {
				return nil, nil, errDone
			}
			o, err := decode[registry.Review](*prev)
			if err != nil {
				return nil, nil, err
			}
			if !o.ClosedOn.IsZero() || o.FullAuditRequired {
				return nil, nil, errDone // closed or judged since the read above
			}
			o = withRepeat(o, r, lt.code, lt.months, today, p)
			if err := o.Validate(); err != nil {
				return nil, nil, err
			}
			return o, reviewKeys(o), nil
		})
		if errors.Is(err, errDone) {
			continue
		}
		if err != nil {
			return err
		}
		if _, err := n.proposeRemoval(ctx, lt.id); err != nil {
			return err
		}
	}
	return nil
}

// withRepeat returns review o, opened after earlier and within months of
// it, requiring a full external audit under rule code from on (or from its
// last step, if that is later) by p.
func withRepeat(o, earlier registry.Review, code string, months int, on registry.Date, p Principal) registry.Review {
	if last := o.History[len(o.History)-1].On; last.After(on) {
		on = last // a step recorded ahead of today before such steps were refused
	}
	step := registry.ReviewStep{Action: registry.ReviewRequireFullAudit, On: on, By: p.Subject, Rule: code,
		Reason: fmt.Sprintf("review %s of the same employer, opened on %s and recorded since, is within %d months before this one: a second trigger requires a full external audit",
			earlier.ID, earlier.OpenedOn, months),
		ReasonFR: fmt.Sprintf("l'examen %s du même employeur, ouvert le %s et enregistré depuis, précède celui-ci de moins de %d mois : un deuxième déclencheur exige un audit externe complet",
			earlier.ID, earlier.OpenedOn, months)}
	if o.RequiredAction == registry.RequiredFullAudit {
		step.DueOn = o.DueOn // the full audit already required stands, with its due date
	} else {
		o.RequiredAction, o.DueOn, o.ActionFrom = registry.RequiredFullAudit, registry.Date{}, on
	}
	o.FullAuditRequired, o.Rule, o.Status = true, code, registry.ReviewActionRequired
	o.Related = append(slices.Clip(o.Related), earlier.ID)
	o.History = append(slices.Clip(o.History), step)
	return o
}

// StopWorkID is the id of a recorded stop-work order.
func StopWorkID(o registry.StopWorkOrder) string {
	return "SWO-" + o.EmployerBN + "-" + strings.ReplaceAll(o.IssuedOn.String(), "-", "") + "-" + o.Number
}

// stopWorkOrders returns employer bn's recorded stop-work orders issued
// on or after since (the issue date of the certificate under review: an
// order from before it is not of that certificate's time), the ids every
// stop_work_orders review of the employer counted, whatever its
// certificate (the count is the employer's, and an order counts once),
// and the open stop_work_orders review of certificate cert, if any.
func stopWorkOrders(l registry.Log, bn, cert string, since registry.Date) (orders []registry.StopWorkOrder, counted map[string]bool, openReview string, err error) {
	refs, err := allRefs(l, "bn", bn)
	if err != nil {
		return nil, nil, "", err
	}
	counted = map[string]bool{}
	for _, ref := range refs {
		if ref.Kind != registry.KindStopWork && ref.Kind != registry.KindReview {
			continue
		}
		e, err := l.Latest(ref.Kind, ref.ID)
		if err != nil {
			return nil, nil, "", err
		}
		if ref.Kind == registry.KindStopWork {
			o, err := decode[registry.StopWorkOrder](e)
			if err != nil {
				return nil, nil, "", err
			}
			if !o.IssuedOn.Before(since) {
				orders = append(orders, o)
			}
			continue
		}
		r, err := decode[registry.Review](e)
		if err != nil {
			return nil, nil, "", err
		}
		if r.Trigger != registry.TriggerStopWorkOrders {
			continue
		}
		for _, id := range r.Orders {
			counted[id] = true
		}
		if r.Certificate == cert && r.ClosedOn.IsZero() {
			openReview = r.ID
		}
	}
	return orders, counted, openReview, nil
}

// liveCertificateOf returns the id of a certificate of employer bn on this
// node that is not in a final status (the newest issued), or "".
func liveCertificateOf(l registry.Log, bn string) (string, error) {
	refs, err := allRefs(l, "bn", bn)
	if err != nil {
		return "", err
	}
	best, bestOn := "", registry.Date{}
	for _, ref := range refs {
		if ref.Kind != registry.KindCertificate {
			continue
		}
		e, err := l.Latest(ref.Kind, ref.ID)
		if err != nil {
			return "", err
		}
		c, err := decode[registry.Certificate](e)
		if err != nil {
			return "", err
		}
		if !registry.Terminal(c.Status) && (best == "" || c.IssuedOn.After(bestOn)) {
			best, bestOn = c.ID, c.IssuedOn
		}
	}
	return best, nil
}

// finalFR names the final statuses in French, for notes.
var finalFR = map[string]string{registry.StatusCancelled: "annulé", registry.StatusRevoked: "révoqué",
	registry.StatusExpired: "expiré", registry.StatusSuperseded: "remplacé"}

// StopWorkResult is what recording a stop-work order did.
type StopWorkResult struct {
	Order   registry.StopWorkOrder `json:"order"`
	Entry   registry.Entry         `json:"-"`
	Counted int                    `json:"counted"` // orders in the window that reached the rule, 0 when none did
	Rule    string                 `json:"rule"`
	// Review is the review the orders opened, if this order made the count
	// reach the rule (and no stop_work_orders review of the certificate was
	// open, and none of the employer had counted them).
	Review string `json:"review,omitempty"`
	Note   string `json:"note,omitempty"` // why no review opened although the count was reached
	NoteFR string `json:"note_fr,omitempty"`
}

// RecordStopWorkOrder records a stop-work order issued to an employer of
// this node, then applies the program's count (ReviewRules.StopWorkOrders
// within StopWorkMonths): when the orders recorded since the certificate
// was issued reach it in a window no review of the employer counted yet, a
// review with trigger stop_work_orders opens on the order's certificate
// (default: the employer's live certificate), dated
// the order that reached the count and opened today. Only the
// administrator may.
func (n *Node) RecordStopWorkOrder(ctx context.Context, p Principal, o registry.StopWorkOrder) (StopWorkResult, error) {
	if err := n.requireAdmin(p, ScopeReviews, "records stop-work orders"); err != nil {
		return StopWorkResult{}, err
	}
	var future error
	if today := n.Today(); o.IssuedOn.After(today) {
		future = registry.Invalid("body.issued_on", "%s is after today (%s): an order is recorded once it was issued", o.IssuedOn, today)
	}
	if err := registry.JoinInvalid(o.Validate(), future); err != nil {
		return StopWorkResult{}, err
	}
	o.ID = StopWorkID(o)
	e, err := n.commit(ctx, registry.KindStopWork, o.ID, nil, func(l feedReader, prev *registry.Entry) (any, []registry.IndexKey, error) {
		if prev != nil {
			return nil, nil, registry.Conflict("stop-work order %s is already recorded", o.ID)
		}
		if _, ok, err := exists(l, registry.KindEmployer, o.EmployerBN); err != nil {
			return nil, nil, err
		} else if !ok {
			return nil, nil, registry.Invalid("body.employer_bn", "employer %s is not registered on this node (%s)", o.EmployerBN, n.cfg.Jurisdiction)
		}
		if o.Certificate != "" {
			ce, ok, err := exists(l, registry.KindCertificate, o.Certificate)
			if err != nil {
				return nil, nil, err
			}
			if !ok {
				return nil, nil, registry.Invalid("body.certificate", "no certificate %q on this node", o.Certificate)
			}
			if c, err := decode[registry.Certificate](ce); err != nil {
				return nil, nil, err
			} else if c.EmployerBN != o.EmployerBN {
				return nil, nil, registry.Invalid("body.certificate", "certificate %s is employer %s's, not %s's", c.ID, c.EmployerBN, o.EmployerBN)
			}
		}
		return o, []registry.IndexKey{{Name: "bn", Value: o.EmployerBN}}, nil
	})
	if err != nil {
		return StopWorkResult{}, err
	}
	res := StopWorkResult{Order: o, Entry: e}
	var window []registry.StopWorkOrder
	var cert, open, final string
	var rules registry.ReviewRules
	// The count and the review it opens, one order at a time: two orders
	// recorded at once would each count the other and open one review
	// twice (the order itself is stored either way).
	n.reviews.Lock()
	defer n.reviews.Unlock()
	today := n.Today()
	err = n.db.View(ctx, func(tx registry.StoreTx) error {
		l := tx.Log(SelfLog)
		cert = o.Certificate
		if cert == "" {
			var err error
			if cert, err = liveCertificateOf(l, o.EmployerBN); err != nil {
				return err
			}
		}
		progID := registry.ProgramCOR
		var since registry.Date
		if ce, ok, err := exists(l, registry.KindCertificate, cert); err != nil {
			return err
		} else if ok {
			if c, err := decode[registry.Certificate](ce); err == nil {
				progID, since = cmpOr(c.ProgramDefinition, c.Program), c.IssuedOn
				if st := c.StatusOn(today); registry.Terminal(st) {
					final = st
				}
			}
		}
		prog, err := programIn(l, progID)
		if err != nil {
			return err
		}
		rules = prog.Review
		orders, counted, openID, err := stopWorkOrders(l, o.EmployerBN, cert, since)
		if err != nil {
			return err
		}
		open = openID
		window = registry.StopWorkWindow(orders, rules.StopWorkOrders, rules.StopWorkMonths, registry.Date{}, func(id string) bool { return counted[id] })
		return nil
	})
	res.Rule = rules.StopWorkCode
	if err != nil || len(window) == 0 {
		return res, err
	}
	res.Counted = len(window)
	switch {
	case cert == "":
		res.Note = "no live certificate of employer " + o.EmployerBN + " on this node to review"
		res.NoteFR = "aucun certificat en vigueur de l'employeur " + o.EmployerBN + " sur ce nœud à examiner"
		return res, nil
	case final != "":
		res.Note = "certificate " + cert + " is " + final + ": no review opens"
		res.NoteFR = "le certificat " + cert + " est " + finalFR[final] + " : aucun examen n'est ouvert"
		return res, nil
	case open != "":
		res.Note = "review " + open + " of the orders is open"
		res.NoteFR = "l'examen " + open + " des ordres est ouvert"
		return res, nil
	}
	last := window[len(window)-1] // not after today: orders dated later are refused
	r, _, err := n.openReview(ctx, p, NewReview{EmployerBN: o.EmployerBN, Certificate: cert, Trigger: registry.TriggerStopWorkOrders,
		OccurredOn: last.IssuedOn, OpenedOn: today})
	if err != nil {
		return res, err
	}
	res.Review = r.ID
	return res, nil
}

// earlierReviews returns the ids of the reviews of r's employer opened
// within months before r (and not after it), oldest first.
func (n *Node) earlierReviews(ctx context.Context, r registry.Review, months int) ([]string, error) {
	if months <= 0 {
		return nil, nil
	}
	var out []string
	err := n.db.View(ctx, func(tx registry.StoreTx) error {
		rs, err := reviewsOf(tx.Log(SelfLog), r.EmployerBN)
		if err != nil {
			return err
		}
		// Within months, as for stop-work orders (registry.StopWorkWindow):
		// a review opened exactly months before does not count.
		slices.SortFunc(rs, func(a, b registry.Review) int { return a.OpenedOn.Compare(b.OpenedOn) })
		for _, o := range rs {
			if o.ID != r.ID && r.OpenedOn.Before(o.OpenedOn.AddMonths(months)) && !o.OpenedOn.After(r.OpenedOn) {
				out = append(out, o.ID)
			}
		}
		return nil
	})
	return out, err
}

// countStopWork checks that employer r.EmployerBN's stop-work orders
// recorded since certificate c was issued reach the program's count in a
// window ending on or before r.OccurredOn that no stop_work_orders review
// of the employer counted, and records them in r.Orders.
func (n *Node) countStopWork(ctx context.Context, r *registry.Review, c registry.Certificate, rules registry.ReviewRules) error {
	return n.db.View(ctx, func(tx registry.StoreTx) error {
		orders, counted, _, err := stopWorkOrders(tx.Log(SelfLog), r.EmployerBN, r.Certificate, c.IssuedOn)
		if err != nil {
			return err
		}
		w := registry.StopWorkWindow(orders, rules.StopWorkOrders, rules.StopWorkMonths, r.OccurredOn, func(id string) bool { return counted[id] })
		if len(w) == 0 {
			return registry.Invalid("body.trigger", "rule %s: a stop_work_orders review needs %d stop-work orders of employer %s within %d months, on or before %s and not before certificate %s was issued (%s), not counted by an earlier review; %d such recorded (record them with POST /v1/stop-work-orders)",
				rules.StopWorkCode, rules.StopWorkOrders, r.EmployerBN, rules.StopWorkMonths, r.OccurredOn, c.ID, c.IssuedOn, len(orders))
		}
		r.Rule = rules.StopWorkCode
		for _, o := range w {
			r.Orders = append(r.Orders, o.ID)
		}
		return nil
	})
}

// ReviewRequest is a step asked for on a review.
type ReviewRequest struct {
	Action string
	Reason string
	On     registry.Date // default today
	DueOn  registry.Date // for require_action_plan and require_full_audit
}

// CheckReviewStep is ActOnReview's check of a step before any record is
// read (the action, the reason's text, the dates), every problem at once;
// the edge runs it too when the schema refuses the body (openapi/rules.go).
func CheckReviewStep(rq ReviewRequest, today registry.Date) error {
	var errs []error
	if !slices.Contains(registry.ReviewActions, rq.Action) {
		errs = append(errs, registry.Invalid("body.action", "one of %s", strings.Join(registry.ReviewActions, ", ")))
	}
	if strings.TrimSpace(rq.Reason) == "" {
		errs = append(errs, registry.Invalid("body.reason", "a review step needs a reason"))
	} else {
		errs = append(errs, registry.CheckText("body.reason", rq.Reason, 1, registry.MaxReasonLen))
	}
	if rq.On.IsZero() {
		rq.On = today
	}
	if rq.On.After(today) {
		// A step takes effect when it is recorded: a close dated ahead
		// would release the withheld refund today on a promise.
		errs = append(errs, registry.Invalid("body.on", "%s is after today (%s): a step is recorded once it is taken", rq.On, today))
	}
	requires := rq.Action == registry.ReviewRequireActionPlan || rq.Action == registry.ReviewRequireFullAudit
	switch {
	case requires && rq.DueOn.IsZero():
		errs = append(errs, registry.Invalid("body.due_on", "a required action has a due date"))
	case requires && !rq.DueOn.After(rq.On):
		errs = append(errs, registry.Invalid("body.due_on", "the due date %s is not after %s", rq.DueOn, rq.On))
	case !requires && !rq.DueOn.IsZero():
		errs = append(errs, registry.Invalid("body.due_on", "only with require_action_plan or require_full_audit"))
	}
	return registry.JoinInvalid(errs...)
}

// textOnly reports whether err's only problems are the text of a
// non-blank reason: those the record's validation names too, together with
// the problems only the stored record shows (a date before its last
// step), so the write goes on to name them all at once.
func textOnly(err error, reason string) bool {
	if strings.TrimSpace(reason) == "" {
		return false
	}
	for _, f := range registry.Fields(err) {
		if f != "body.reason" {
			return false
		}
	}
	return len(registry.Fields(err)) > 0
}

// ActOnReview applies an administrator's step to a review: require an
// action plan or a full audit by a due date, or close it (closed,
// suspended or revoked: the last two change the certificate's status too,
// as signed status changes naming the review).
func (n *Node) ActOnReview(ctx context.Context, p Principal, id string, rq ReviewRequest) (registry.Review, error) {
	if err := n.requireAdmin(p, ScopeReviews, "acts on Employer Reviews"); err != nil {
		return registry.Review{}, err
	}
	today := n.Today()
	if rq.On.IsZero() {
		rq.On = today
	}
	if err := CheckReviewStep(rq, today); err != nil && !textOnly(err, rq.Reason) {
		return registry.Review{}, err // else the step's validation names the reason with the review's problems
	}
	n.decisions.Lock()
	defer n.decisions.Unlock()
	cur, err := n.Review(ctx, id)
	if err != nil {
		return registry.Review{}, err
	}
	if !cur.ClosedOn.IsZero() {
		return registry.Review{}, registry.Conflict("review %s is %s since %s", id, cur.Status, cur.ClosedOn)
	}
	// The step is checked against the review as it stands before anything
	// is written: a step the review would refuse (dated before its last
	// step, say) must not suspend or revoke the certificate. Then a
	// suspension or revocation changes the certificate first: if that is
	// refused (the certificate is already revoked, say), the review is left
	// as it was.
	if _, err := withStep(cur, rq, p); err != nil {
		return registry.Review{}, err
	}
	if err := n.checkActionRecordable(ctx, cur, rq.Action); err != nil {
		return registry.Review{}, err
	}
	if err := n.checkExpectation(ctx, registry.KindReview, id); err != nil {
		return registry.Review{}, err // before the certificate changes (an If-Match on the review)
	}
	certAction := map[string]string{registry.ReviewSuspend: registry.ActionSuspend, registry.ReviewRevoke: registry.ActionRevoke}[rq.Action]
	if certAction != "" {
		admin := Principal{Subject: p.Subject, Role: RoleAdmin, Scopes: []string{ScopeCertificates}}
		reason, reasonFR, err := quoteReason(rq.Reason, fmt.Sprintf("Employer Review %s: ", id), fmt.Sprintf("Examen de l'employeur %s : ", id))
		if err != nil {
			return registry.Review{}, err
		}
		if _, err := n.ChangeStatus(ctx, admin, cur.Certificate, StatusRequest{Action: certAction, Reason: reason, ReasonFR: reasonFR, On: rq.On}); err != nil {
			return registry.Review{}, err
		}
		// The certificate changed: the step that changed it is recorded
		// even if the client has gone.
		ctx = context.WithoutCancel(ctx)
	}
	e, err := n.commit(ctx, registry.KindReview, id, nil, func(l feedReader, prev *registry.Entry) (any, []registry.IndexKey, error) {
		if prev == nil {
			return nil, nil, fmt.Errorf("review %q: %w", id, registry.ErrNotFound)
		}
		r, err := decode[registry.Review](*prev)
		if err != nil {
			return nil, nil, err
		}
		if r, err = withStep(r, rq, p); err != nil {
			return nil, nil, err
		}
		return r, reviewKeys(r), nil
	})
	if err != nil {
		return registry.Review{}, err
	}
	r, err := decode[registry.Review](e)
	if err != nil {
		return r, err
	}
	_, err = n.proposeRemoval(ctx, id)
	return r, err
}

// requiredActionTypes is prog.RequiredActionTypes(action): the audit
// types that meet required action of a certificate under prog (the
// process metrics judge the action by the same types).
func requiredActionTypes(prog registry.Program, action string) []string {
	return prog.RequiredActionTypes(action)
}

// checkActionRecordable refuses, at body.action, requiring of review cur's
// certificate an action its program has no pass rule to record (a SECOR
// program published without one for action_plan audits): the employer
// could not meet it, and the lifecycle would then propose its removal for
// not completing it.
func (n *Node) checkActionRecordable(ctx context.Context, cur registry.Review, action string) error {
	required := map[string]string{registry.ReviewRequireActionPlan: registry.RequiredActionPlan, registry.ReviewRequireFullAudit: registry.RequiredFullAudit}[action]
	if required == "" {
		return nil
	}
	var prog registry.Program
	var progID string
	err := n.db.View(ctx, func(tx registry.StoreTx) error {
		l := tx.Log(SelfLog)
		ce, err := l.Latest(registry.KindCertificate, cur.Certificate)
		if err != nil {
			return err
		}
		c, err := decode[registry.Certificate](ce)
		if err != nil {
			return err
		}
		progID = cmpOr(c.ProgramDefinition, c.Program)
		prog, err = programIn(l, progID)
		return err
	})
	if err != nil {
		return err
	}
	if len(requiredActionTypes(prog, required)) == 0 {
		return registry.Invalid("body.action", "certificate %s is under program %s, which has no pass rule for the audit %s requires: its holder could not meet it; publish the program with one first",
			cur.Certificate, progID, action)
	}
	return nil
}

// withStep returns review r with step rq by p applied, or why r refuses
// it (r is closed, the step is dated before its last one, an action plan
// where a full audit is required).
func withStep(r registry.Review, rq ReviewRequest, p Principal) (registry.Review, error) {
	if !r.ClosedOn.IsZero() {
		return r, registry.Conflict("review %s is %s since %s", r.ID, r.Status, r.ClosedOn)
	}
	if rq.Action == registry.ReviewRequireActionPlan && r.FullAuditRequired {
		return r, registry.Invalid("body.action", "rule %s requires a full external audit for review %s, not an action plan", r.Rule, r.ID)
	}
	step := registry.ReviewStep{Action: rq.Action, Reason: rq.Reason, On: rq.On, DueOn: rq.DueOn, By: p.Subject}
	r.History = append(slices.Clip(r.History), step)
	switch rq.Action {
	case registry.ReviewRequireActionPlan:
		r.RequiredAction, r.DueOn, r.ActionFrom, r.Status = registry.RequiredActionPlan, rq.DueOn, rq.On, registry.ReviewActionRequired
	case registry.ReviewRequireFullAudit:
		r.RequiredAction, r.DueOn, r.ActionFrom, r.Status = registry.RequiredFullAudit, rq.DueOn, rq.On, registry.ReviewActionRequired
	case registry.ReviewClose:
		r.Status, r.Outcome, r.ClosedOn = registry.ReviewClosed, registry.ReviewClosed, rq.On
	case registry.ReviewSuspend:
		r.Status, r.Outcome, r.ClosedOn = registry.ReviewSuspended, registry.ReviewSuspended, rq.On
	case registry.ReviewRevoke:
		r.Status, r.Outcome, r.ClosedOn = registry.ReviewRevoked, registry.ReviewRevoked, rq.On
	}
	// The refund stays withheld unless the review closed with the COR
	// kept: one that suspended or revoked it found the employer unfit.
	r.RefundWithheld = r.Outcome != registry.ReviewClosed
	return r, r.Validate()
}

// Review returns review id.
func (n *Node) Review(ctx context.Context, id string) (registry.Review, error) {
	e, err := n.Record(ctx, registry.KindReview, id)
	if err != nil {
		return registry.Review{}, err
	}
	return decode[registry.Review](e)
}

// Removals returns the removal proposals of status (proposed, confirmed,
// rejected), at most limit.
func (n *Node) Removals(ctx context.Context, status string, limit int) ([]registry.Removal, error) {
	p, err := n.RemovalsPage(ctx, status, limit, "") // pages.go
	return p.Items, err
}

// RemovalRequest is the administrator's decision on a removal proposal.
type RemovalRequest struct {
	Decision string // confirm or reject
	Reason   string
	On       registry.Date // default today
}

// DecideRemoval records the administrator's decision on a proposal; a
// confirmation revokes the certificate (a signed status change naming the
// proposal), or, when the administrator superseded it meanwhile, its live
// successor (removalTarget). A proposal is decided once.
func (n *Node) DecideRemoval(ctx context.Context, p Principal, id string, rq RemovalRequest) (registry.Removal, error) {
	if err := n.requireAdmin(p, ScopeReviews, "decides removals"); err != nil {
		return registry.Removal{}, err
	}
	var errs []error
	if rq.Decision != "confirm" && rq.Decision != "reject" {
		errs = append(errs, registry.Invalid("body.decision", "confirm or reject"))
	}
	if strings.TrimSpace(rq.Reason) == "" {
		errs = append(errs, registry.Invalid("body.reason", "a decision needs a reason"))
	} else {
		errs = append(errs, registry.CheckText("body.reason", rq.Reason, 1, registry.MaxReasonLen))
	}
	today := n.Today()
	if rq.On.IsZero() {
		rq.On = today
	}
	if rq.On.After(today) {
		errs = append(errs, registry.Invalid("body.on", "%s is after today (%s): a decision is recorded once it is made", rq.On, today))
	}
	if err := registry.JoinInvalid(errs...); err != nil {
		return registry.Removal{}, err
	}
	n.decisions.Lock()
	defer n.decisions.Unlock()
	e, err := n.Record(ctx, registry.KindRemoval, id)
	if err != nil {
		return registry.Removal{}, err
	}
	cur, err := decode[registry.Removal](e)
	if err != nil {
		return registry.Removal{}, err
	}
	if cur.Status != registry.RemovalProposed {
		return registry.Removal{}, registry.Conflict("removal proposal %s is already %s", id, cur.Status)
	}
	if rq.On.Before(cur.ProposedOn) {
		// A confirmation revokes the certificate from its date: one
		// before the proposal would revoke it before the evidence the
		// decision rests on was in.
		return registry.Removal{}, registry.Invalid("body.on", "%s is before the proposal %s was made (%s): a decision is dated no earlier than its proposal", rq.On, id, cur.ProposedOn)
	}
	if rq.Decision == "confirm" && cur.CP != "" {
		if err := n.suspendCP(ctx, p, cur.CP); err != nil {
			return registry.Removal{}, err
		}
		ctx = context.WithoutCancel(ctx) // the CP changed: record the decision that changed it
	} else if rq.Decision == "confirm" {
		admin := Principal{Subject: p.Subject, Role: RoleAdmin, Scopes: []string{ScopeCertificates}}
		target, err := n.removalTarget(ctx, cur.Certificate)
		if err != nil {
			return registry.Removal{}, err
		}
		prefix := fmt.Sprintf("removal of a persistent non-performer confirmed (%s, rule %s): ", id, cur.Rule)
		prefixFR := fmt.Sprintf("retrait d'un employeur aux piètres résultats persistants confirmé (%s, règle %s) : ", id, cur.Rule)
		if target != cur.Certificate {
			prefix = fmt.Sprintf("removal of a persistent non-performer confirmed (%s, rule %s, proposed on %s, which this certificate supersedes): ", id, cur.Rule, cur.Certificate)
			prefixFR = fmt.Sprintf("retrait d'un employeur aux piètres résultats persistants confirmé (%s, règle %s, proposé pour %s, que ce certificat remplace) : ", id, cur.Rule, cur.Certificate)
		}
		reason, reasonFR, err := quoteReason(rq.Reason, prefix, prefixFR)
		if err != nil {
			return registry.Removal{}, err
		}
		if _, err := n.ChangeStatus(ctx, admin, target, StatusRequest{Action: registry.ActionRevoke, Reason: reason, ReasonFR: reasonFR, On: rq.On}); err != nil {
			return registry.Removal{}, err
		}
		ctx = context.WithoutCancel(ctx) // the certificate changed: record the decision that changed it
	}
	e, err = n.commit(ctx, registry.KindRemoval, id, nil, func(l feedReader, prev *registry.Entry) (any, []registry.IndexKey, error) {
		r, err := decode[registry.Removal](*prev)
		if err != nil {
			return nil, nil, err
		}
		if r.Status != registry.RemovalProposed {
			return nil, nil, registry.Conflict("removal proposal %s is already %s", id, r.Status)
		}
		r.Status = registry.RemovalRejected
		if rq.Decision == "confirm" {
			r.Status = registry.RemovalConfirmed
		}
		r.Decision = &registry.RemovalDecision{Decision: rq.Decision, Reason: rq.Reason, On: rq.On, By: p.Subject}
		return r, removalKeys(r), nil
	})
	if err != nil {
		return registry.Removal{}, err
	}
	return decode[registry.Removal](e)
}

// maxSupersedeHops bounds the chain of successors removalTarget follows.
const maxSupersedeHops = 16

// removalTarget returns the certificate a confirmed removal proposed on
// certificate id revokes: id itself, or, when id was superseded (the
// administrator may supersede a certificate awaiting a decision; a CP may
// not), the successor its superseded_by names, followed to the first one
// not superseded. Revoking that one is the decision's effect: the
// employer does not keep, under a new number, the COR the decision
// removes. A successor itself ended otherwise (cancelled, say) is
// returned as is: the revocation is then refused as for any ended
// certificate, and the administrator may reject the proposal instead.
func (n *Node) removalTarget(ctx context.Context, id string) (string, error) {
	seen := map[string]bool{}
	for range maxSupersedeHops {
		seen[id] = true
		e, err := n.Record(ctx, registry.KindCertificate, id)
		if err != nil {
			return "", err
		}
		c, err := decode[registry.Certificate](e)
		if err != nil {
			return "", err
		}
		if c.Status != registry.StatusSuperseded {
			return id, nil
		}
		next := ""
		for i := len(c.History) - 1; i >= 0; i-- {
			if h := c.History[i]; h.Annulled == nil {
				next = h.SupersededBy
				break
			}
		}
		if next == "" || seen[next] {
			return id, nil
		}
		id = next
	}
	return id, nil
}

// quoteReason returns reason quoted after prefix and prefixFR, the
// reasons of the certificate's status change that a decision makes, or an
// error at body.reason if either would be longer than a reason may be.
func quoteReason(reason, prefix, prefixFR string) (en, fr string, err error) {
	room := registry.MaxReasonLen - max(utf8.RuneCountInString(prefix), utf8.RuneCountInString(prefixFR))
	if n := utf8.RuneCountInString(reason); n > room {
		return "", "", registry.Invalid("body.reason", "at most %d characters here, got %d: the certificate's status change quotes it after %q", room, n, prefixFR)
	}
	return prefix + reason, prefixFR + reason, nil
}

// suspendCP suspends certifying partner id on the administrator's
// confirmation of a proposal to suspend it (a new version of its record).
// The record is read in the commit that writes it: a change made to the
// CP between the read and the write (its sectors, say) is kept, not
// overwritten by the version read before it.
func (n *Node) suspendCP(ctx context.Context, p Principal, id string) error {
	if err := p.require(ScopeReviews); err != nil {
		return err
	}
	_, err := n.commitChange(ctx, registry.KindCP, id, func(_ feedReader, prev *registry.Entry) (any, []registry.IndexKey, error) {
		if prev == nil {
			return nil, nil, fmt.Errorf("certifying partner %s: %w", id, registry.ErrNotFound)
		}
		cp, err := decode[registry.CertifyingPartner](*prev)
		if err != nil {
			return nil, nil, err
		}
		cp.Status = registry.CPSuspended // unchanged when it already was: no version is written
		return cp, nil, nil
	})
	return err
}
