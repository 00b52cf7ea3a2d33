package registry

// This file holds the dated facts a province's program rests on: when a WCB
// account is open, where an employer has a permanent office, the status
// history of an equivalency record, corrections of a status history, and a
// party's withdrawal from an agreement. Letters are in letters.go.

// ActiveOn reports whether the account is open on d (OpenedOn and ClosedOn
// inclusive; a zero bound is open-ended).
func (a WCBAccount) ActiveOn(d Date) bool {
	return (a.OpenedOn.IsZero() || !d.Before(a.OpenedOn)) && (a.ClosedOn.IsZero() || !d.After(a.ClosedOn))
}

// Presence is an employer's presence in one province: whether it keeps a
// permanent office there, from when it operates there and until when
// (inclusive; Until zero: still does). SK's reciprocity rests on it.
type Presence struct {
	Jurisdiction    Jurisdiction `json:"jurisdiction"`
	PermanentOffice bool         `json:"permanent_office"`
	OperatingSince  Date         `json:"operating_since"`
	Until           Date         `json:"until,omitzero" nullable:"true"`
}

// On reports whether the presence covers d.
func (p Presence) On(d Date) bool {
	return !d.Before(p.OperatingSince) && (p.Until.IsZero() || !d.After(p.Until))
}

func (p Presence) validate(f string) error {
	if err := checkJurisdiction(f+".jurisdiction", p.Jurisdiction); err != nil {
		return err
	}
	if p.OperatingSince.IsZero() {
		return Invalid(f+".operating_since", "required, as YYYY-MM-DD")
	}
	if !p.Until.IsZero() && p.Until.Before(p.OperatingSince) {
		return Invalid(f+".until", "until %s is before operating_since %s", p.Until, p.OperatingSince)
	}
	return nil
}

func (a WCBAccount) validateDates(f string) error {
	if !a.OpenedOn.IsZero() && !a.ClosedOn.IsZero() && a.ClosedOn.Before(a.OpenedOn) {
		return Invalid(f+".closed_on", "closed_on %s is before opened_on %s", a.ClosedOn, a.OpenedOn)
	}
	return nil
}

// Annulment says a status change was a mistake: who annulled it, when
// (the day it was recorded) and why. The change stays in the history.
type Annulment struct {
	On     Date   `json:"on"`
	Reason string `json:"reason"`
	// ReasonFR is Reason in French, for the annulments corfed writes
	// itself (the lifecycle job annulling the steps after a cancellation
	// or expiry it dates before them); a reason a person typed is kept as
	// typed, in Reason only.
	ReasonFR string `json:"reason_fr,omitempty"`
	By       string `json:"by,omitempty"`
}

// Withdrawal is a party's withdrawal from an agreement: from On (inclusive)
// the agreement no longer counts.
type Withdrawal struct {
	Party  Jurisdiction `json:"party"`
	On     Date         `json:"on"`
	Reason string       `json:"reason"`
	By     string       `json:"by,omitempty"`
}

// Effective reports whether change h counts (it was not annulled).
func (h StatusChange) Effective() bool { return h.Annulled == nil }

// ActionAnnul annuls a mistaken status change (the one taking effect on
// the request's date); ActionWithdraw withdraws an equivalency.
const (
	ActionAnnul    = "annul"
	ActionWithdraw = "withdraw"
)

// Equivalency statuses (IAF CertSearch's vocabulary).
const (
	EqvActive    = "active"
	EqvSuspended = "suspended"
	EqvWithdrawn = "withdrawn"
	EqvExpired   = "expired"
)

var eqvTransitions = map[string]struct {
	from []string
	to   string
}{
	ActionSuspend:   {[]string{EqvActive}, EqvSuspended},
	ActionReinstate: {[]string{EqvSuspended}, EqvActive},
	ActionWithdraw:  {[]string{EqvActive, EqvSuspended}, EqvWithdrawn},
	ActionExpire:    {[]string{EqvActive, EqvSuspended}, EqvExpired},
}

// EquivalencyTransition returns the status action leads an equivalency
// record to from status from (ErrConflict when not allowed, ErrInvalid for
// an unknown action).
func EquivalencyTransition(from, action string) (string, error) {
	t, ok := eqvTransitions[action]
	if !ok {
		return "", Invalid("body.action", "unknown action %q for an equivalency (one of suspend, reinstate, withdraw, expire, annul)", action)
	}
	for _, f := range t.from {
		if f == from {
			return t.to, nil
		}
	}
	return "", Conflict("cannot %s an equivalency that is %s", Word{action, actionFR[action]}, Word{from, eqvStatusFR[from]})
}

// eqvStatusFR is each equivalency status as a French adjective
// (feminine: l'équivalence).
var eqvStatusFR = map[string]string{EqvActive: "active", EqvSuspended: "suspendue", EqvWithdrawn: "retirée", EqvExpired: "expirée"}

// statusAt returns the status of the last effective change in h on or
// before d (the later one in h's order when two share a date), and whether
// there is one. Annulled changes do not count. h need not be sorted.
func statusAt(h []StatusChange, d Date) (string, bool) {
	return lastStep(h, d, func(c *StatusChange) (Date, string, bool) { return c.On, c.Status, c.Annulled != nil })
}

// lastStep is statusAt over any kind of history step: step gives a step's
// date, status and whether it was annulled.
func lastStep[S any](h []S, d Date, step func(*S) (Date, string, bool)) (string, bool) {
	var best Date
	st, found := "", false
	for i := range h {
		on, status, annulled := step(&h[i])
		if annulled || on.After(d) {
			continue
		}
		if !found || !on.Before(best) {
			best, st, found = on, status, true
		}
	}
	return st, found
}

// StatusAt is statusAt for other packages: the status of the last effective
// change of h on or before d.
func StatusAt(h []StatusChange, d Date) (string, bool) { return statusAt(h, d) }

// Corrected returns the most recent correction that bears on the status on
// d: a change recorded as a correction taking effect on or before d, or an
// annulment of a change taking effect on or before d. ok is false when the
// status on d was never corrected.
func Corrected(h []StatusChange, d Date) (c StatusChange, ok bool) {
	var best Date
	for _, x := range h {
		if x.On.After(d) {
			continue
		}
		var when Date
		switch {
		case x.Annulled != nil:
			when = x.Annulled.On
		case x.Correction:
			when = x.RecordedOn
		default:
			continue
		}
		if !ok || when.After(best) {
			c, best, ok = x, when, true
		}
	}
	return c, ok
}

// CorrectedOn returns the day correction c was recorded.
func (h StatusChange) CorrectedOn() Date {
	if h.Annulled != nil {
		return h.Annulled.On
	}
	return h.RecordedOn
}

// checkHistoryText validates the correction fields of one history step.
func checkHistoryText(f string, h StatusChange) error {
	if err := checkText(f+".by", h.By, 0, MaxNameLen); err != nil {
		return err
	}
	if h.Annulled != nil {
		if h.Annulled.On.IsZero() {
			return Invalid(f+".annulled.on", "required")
		}
		if err := checkText(f+".annulled.reason", h.Annulled.Reason, 1, MaxReasonLen); err != nil {
			return err
		}
		if err := checkText(f+".annulled.reason_fr", h.Annulled.ReasonFR, 0, MaxReasonLen); err != nil {
			return err
		}
		return checkText(f+".annulled.by", h.Annulled.By, 0, MaxNameLen)
	}
	return nil
}

// lastEffective returns the status of the last effective change in h (h in
// date order), or "".
func lastEffective(h []StatusChange) string {
	for i := len(h) - 1; i >= 0; i-- {
		if h[i].Annulled == nil {
			return h[i].Status
		}
	}
	return ""
}

// LastEffective returns the status of the last effective (not annulled)
// change of a history in date order, or "".
func LastEffective(h []StatusChange) string { return lastEffective(h) }
