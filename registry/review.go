package registry

import (
	"fmt"
	"slices"
	"strings"
)

// Employer Review triggers.
const (
	TriggerFatality            = "fatality"
	TriggerSeriousInjury       = "serious_injury"
	TriggerStopWorkOrders      = "stop_work_orders" // two or more stop-work orders in 12 months
	TriggerMisreportedInjuries = "misreported_injuries"
)

// ReviewTriggers lists every trigger.
var ReviewTriggers = []string{TriggerFatality, TriggerSeriousInjury, TriggerStopWorkOrders, TriggerMisreportedInjuries}

// Employer Review actions (PATCH /v1/reviews/{id}).
const (
	ReviewRequireActionPlan = "require_action_plan"
	ReviewRequireFullAudit  = "require_full_audit"
	ReviewClose             = "close"
	ReviewSuspend           = "suspend"
	ReviewRevoke            = "revoke"
)

// ReviewActions lists every review action.
var ReviewActions = []string{ReviewRequireActionPlan, ReviewRequireFullAudit, ReviewClose, ReviewSuspend, ReviewRevoke}

// Employer Review statuses.
const (
	ReviewOpen           = "open"
	ReviewActionRequired = "action_required"
	ReviewClosed         = "closed"
	ReviewSuspended      = "suspended" // closed with the certificate suspended
	ReviewRevoked        = "revoked"   // closed with the certificate revoked
)

// Required actions.
const (
	RequiredActionPlan = "action_plan"
	RequiredFullAudit  = "full_audit"
)

// ReviewStep is one step of a review's history.
type ReviewStep struct {
	Action   string `json:"action"` // open, or one of ReviewActions
	Reason   string `json:"reason"`
	ReasonFR string `json:"reason_fr,omitempty"` // Reason in French, when corfed wrote it
	On       Date   `json:"on"`
	DueOn    Date   `json:"due_on,omitzero"`
	By       string `json:"by"`
	Rule     string `json:"rule,omitempty"`
}

// Review is an Employer Review of a certificate: the trigger, the required
// action and its due date, the outcome, and whether the PIR refund is
// withheld (while the review is not closed).
type Review struct {
	ID             string       `json:"id"`
	Jurisdiction   Jurisdiction `json:"jurisdiction"`
	EmployerBN     string       `json:"employer_bn"`
	Certificate    string       `json:"certificate"`
	Trigger        string       `json:"trigger"`
	OccurredOn     Date         `json:"occurred_on"`
	OpenedOn       Date         `json:"opened_on"`
	Status         string       `json:"status"`
	RequiredAction string       `json:"required_action,omitempty"` // action_plan or full_audit
	ActionFrom     Date         `json:"action_from,omitzero"`      // when the action was required
	DueOn          Date         `json:"due_on,omitzero"`
	RefundWithheld bool         `json:"refund_withheld"`
	// FullAuditRequired is set by the repeat rule (Program.Review): a
	// trigger within RepeatMonths of an earlier review.
	FullAuditRequired bool     `json:"full_audit_required"`
	Rule              string   `json:"rule,omitempty"`
	Related           []string `json:"related,omitempty"` // the earlier reviews the repeat rule counted
	// Orders are the stop-work orders a stop_work_orders review counted.
	Orders   []string     `json:"orders,omitempty"`
	Outcome  string       `json:"outcome,omitempty"` // closed, suspended or revoked
	ClosedOn Date         `json:"closed_on,omitzero"`
	History  []ReviewStep `json:"history"`
}

// Validate checks a review on its own. It reports every problem found at
// once (ValidationErrors). A history step's reason and date are the
// request's: their errors name "body.reason" and "body.on", each once.
func (r Review) Validate() error {
	var v collect
	if !ValidID(r.ID) {
		v.add(Invalid("body.id", "a review id"))
	}
	v.add(CheckBN("body.employer_bn", r.EmployerBN))
	if !ValidID(r.Certificate) {
		v.add(Invalid("body.certificate", "the id of the certificate under review"))
	}
	if !slices.Contains(ReviewTriggers, r.Trigger) {
		v.add(Invalid("body.trigger", "one of fatality, serious_injury, stop_work_orders, misreported_injuries"))
	}
	if r.OccurredOn.IsZero() {
		v.add(Invalid("body.occurred_on", "required, as YYYY-MM-DD"))
	}
	switch {
	case r.OpenedOn.IsZero():
		v.add(Invalid("body.opened_on", "required, as YYYY-MM-DD"))
	case !r.OccurredOn.IsZero() && r.OpenedOn.Before(r.OccurredOn):
		v.add(Invalid("body.opened_on", "the review opens on %s, before the trigger occurred (%s)", r.OpenedOn, r.OccurredOn))
	}
	if len(r.History) == 0 || len(r.History) > 100 {
		v.add(Invalid("body.history", "1 to 100 steps"))
		return v.err()
	}
	var reason, order bool // "body.reason" and "body.on" already reported
	for i, h := range r.History {
		f := fmt.Sprintf("body.history[%d]", i)
		if err := checkText(f+".reason", h.Reason, 1, MaxReasonLen); err != nil && !reason {
			ve := err.(*ValidationError)
			v.add(&ValidationError{Field: "body.reason", Reason: ve.Reason, Format: ve.Format, Args: ve.Args})
			reason = true
		}
		if i > 0 && h.On.Before(r.History[i-1].On) && !order {
			v.add(Invalid("body.on", "%s is before the review's last step (%s)", h.On, r.History[i-1].On))
			order = true
		}
	}
	return v.err()
}

// Removal proposal statuses and decisions.
const (
	RemovalProposed  = "proposed"
	RemovalConfirmed = "confirmed" // the certificate was revoked
	RemovalRejected  = "rejected"
)

// RemovalEvidence is one record a removal proposal rests on.
type RemovalEvidence struct {
	Kind     Kind   `json:"kind"`
	ID       string `json:"id"`
	Detail   string `json:"detail"`
	DetailFR string `json:"detail_fr"`
}

// RemovalDecision is the administrator's decision on a proposal.
type RemovalDecision struct {
	Decision string `json:"decision"` // confirm or reject
	Reason   string `json:"reason"`
	On       Date   `json:"on"`
	By       string `json:"by"`
}

// Removal is a proposal to remove (revoke) the certificate of a persistent
// non-performer, produced by the program's removal rule; the certificate
// is revoked only when the administrator confirms it. With CP set it is
// instead a proposal to suspend that certifying partner, produced by the
// program's CP QA rule (CPQARule) from its QA reviews; the CP is suspended
// only when the administrator confirms it.
type Removal struct {
	ID          string            `json:"id"`
	Certificate string            `json:"certificate,omitempty"`
	EmployerBN  string            `json:"employer_bn,omitempty"`
	CP          string            `json:"cp,omitempty"`
	Rule        string            `json:"rule"`
	Reason      string            `json:"reason,omitempty"`    // why the rule is met
	ReasonFR    string            `json:"reason_fr,omitempty"` // Reason in French
	ProposedOn  Date              `json:"proposed_on"`
	Evidence    []RemovalEvidence `json:"evidence"`
	Status      string            `json:"status"`
	Decision    *RemovalDecision  `json:"decision,omitempty"`
}

// StopWorkOrder is a stop-work order issued to an employer (by an OHS
// officer), recorded by the program administrator with its date: the
// "two or more stop-work orders in 12 months" trigger of an Employer
// Review is counted from these records (ReviewRules.StopWorkOrders).
type StopWorkOrder struct {
	ID          string `json:"id"`
	EmployerBN  string `json:"employer_bn"`
	Certificate string `json:"certificate,omitempty"` // the certificate a review it leads to is about (default: the employer's live one)
	Number      string `json:"number"`                // the order's own number
	IssuedOn    Date   `json:"issued_on"`
	IssuedBy    string `json:"issued_by,omitempty"` // the body that issued it
	Reason      string `json:"reason,omitempty"`
}

// Validate checks a stop-work order on its own. It reports every problem
// found at once (ValidationErrors).
func (o StopWorkOrder) Validate() error {
	var v collect
	v.add(CheckBN("body.employer_bn", o.EmployerBN))
	if o.Certificate != "" && !ValidID(o.Certificate) {
		v.add(Invalid("body.certificate", "a certificate id"))
	}
	if !ValidID(o.Number) {
		v.add(Invalid("body.number", "the order's number: 1 to 64 letters, digits, '.', '_' or '-'"))
	}
	if o.IssuedOn.IsZero() {
		v.add(Invalid("body.issued_on", "required, as YYYY-MM-DD"))
	}
	v.add(checkText("body.issued_by", o.IssuedBy, 0, MaxNameLen))
	v.add(checkText("body.reason", o.Reason, 0, MaxReasonLen))
	return v.err()
}

// StopWorkWindow looks for n or more orders within months: orders on
// d1 <= d2 count together when d2 is before d1.AddMonths(months) (two
// orders exactly months apart do not). Windows end on an order's date, in
// date order, none after until (zero: no bound); skip says an order is
// already counted by an earlier review. It returns the orders of the first
// window that reaches n and holds an order skip does not, oldest first.
func StopWorkWindow(orders []StopWorkOrder, n, months int, until Date, skip func(id string) bool) []StopWorkOrder {
	os := slices.Clone(orders)
	slices.SortStableFunc(os, func(a, b StopWorkOrder) int {
		if c := a.IssuedOn.Compare(b.IssuedOn); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	for j, end := range os {
		if !until.IsZero() && end.IssuedOn.After(until) {
			break
		}
		var in []StopWorkOrder
		fresh := false
		for _, o := range os[:j+1] {
			if end.IssuedOn.Before(o.IssuedOn.AddMonths(months)) {
				in = append(in, o)
				fresh = fresh || skip == nil || !skip(o.ID)
			}
		}
		if len(in) >= n && fresh {
			return in
		}
	}
	return nil
}

// TriggerFR, ReviewStatusFR and RequiredActionFR name triggers, review
// statuses and required actions in French (codes stay as they are).
var (
	TriggerFR = map[string]string{TriggerFatality: "décès", TriggerSeriousInjury: "blessure grave",
		TriggerStopWorkOrders: "ordres d'arrêt des travaux", TriggerMisreportedInjuries: "blessures mal déclarées"}
	ReviewStatusFR = map[string]string{ReviewOpen: "ouvert", ReviewActionRequired: "mesure requise", ReviewClosed: "fermé",
		ReviewSuspended: "suspendu", ReviewRevoked: "révoqué"}
	RequiredActionFR = map[string]string{RequiredActionPlan: "plan d'action", RequiredFullAudit: "audit externe complet"}
	// RequiredActionEN names required actions in English sentences.
	RequiredActionEN = map[string]string{RequiredActionPlan: "action plan", RequiredFullAudit: "full external audit"}
)
