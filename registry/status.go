package registry

import "fmt"

// StatusOn returns the certificate's status on calendar date d as this
// version of the record knows it: "" before it was issued or before its
// first recorded status; then the status of the last history step taking
// effect on or before d (annulled steps do not count) (the later one of two on the same day), whatever
// the order the steps are listed in; with no history at all, Status
// (active when empty). After ExpiresOn (a certificate is valid through its
// expiry date) it is StatusExpired unless it had already ended otherwise
// (cancelled, revoked, superseded). Reads and recognition decisions both
// use this one definition.
func (c Certificate) StatusOn(d Date) string {
	st, found := statusAt(c.History, d)
	return statusOn(c.IssuedOn, c.ExpiresOn, c.Status, len(c.History) > 0, st, found, d)
}

// StatusStep is a history step as the status on a date reads it: what a
// certificate held in memory by the thousand keeps of a StatusChange.
type StatusStep struct {
	On       Date
	Status   string
	Annulled bool
}

// StatusOnSteps is Certificate.StatusOn for a certificate held as its
// issue and expiry dates, its status and its history's steps.
func StatusOnSteps(issued, expires Date, status string, steps []StatusStep, d Date) string {
	st, found := lastStep(steps, d, func(s *StatusStep) (Date, string, bool) { return s.On, s.Status, s.Annulled })
	return statusOn(issued, expires, status, len(steps) > 0, st, found, d)
}

// statusOn is the status on d of a certificate issued on issued, expiring
// on expires, with status status, and a history (hasHistory) whose last
// effective step on or before d, if found, has status st.
func statusOn(issued, expires Date, status string, hasHistory bool, st string, found bool, d Date) string {
	if d.Before(issued) {
		return ""
	}
	if !hasHistory {
		st = status
		if st == "" {
			st = StatusActive
		}
	} else if !found {
		return ""
	}
	if !expires.IsZero() && d.After(expires) {
		switch st {
		case StatusCancelled, StatusRevoked, StatusSuperseded:
			return st
		}
		return StatusExpired
	}
	return st
}

// Terminal reports whether no further status change may follow status s.
func Terminal(s string) bool {
	switch s {
	case StatusCancelled, StatusRevoked, StatusExpired, StatusSuperseded:
		return true
	}
	return false
}

// transitions maps an action to the statuses it may start from and the
// status it leads to.
var transitions = map[string]struct {
	from []string
	to   string
}{
	ActionActivate:  {[]string{StatusPending}, StatusActive},
	ActionSuspend:   {[]string{StatusActive}, StatusSuspended},
	ActionReinstate: {[]string{StatusSuspended}, StatusActive},
	ActionCancel:    {[]string{StatusPending, StatusActive, StatusSuspended}, StatusCancelled},
	ActionRevoke:    {[]string{StatusActive, StatusSuspended}, StatusRevoked},
	ActionExpire:    {[]string{StatusActive, StatusSuspended}, StatusExpired},
	ActionSupersede: {[]string{StatusActive}, StatusSuperseded},
}

// Actions lists the status change actions.
var Actions = []string{ActionActivate, ActionSuspend, ActionReinstate, ActionCancel, ActionRevoke, ActionExpire, ActionSupersede}

// Transition returns the status that action leads to from status from, or
// an error wrapping ErrConflict when the action is not allowed from there
// (ErrInvalid for an unknown action).
func Transition(from, action string) (string, error) {
	t, ok := transitions[action]
	if !ok {
		return "", Invalid("body.action", "unknown action %q (one of activate, suspend, reinstate, cancel, revoke, expire, supersede)", action)
	}
	for _, f := range t.from {
		if f == from {
			return t.to, nil
		}
	}
	return "", Conflict("cannot %s a certificate that is %s", Word{action, actionFR[action]}, Word{from, certStatusFR[from]})
}

// actionFR is each status change action as a French infinitive, for the
// sentences that name it.
var actionFR = map[string]string{ActionActivate: "activer", ActionSuspend: "suspendre", ActionReinstate: "réactiver",
	ActionCancel: "annuler", ActionRevoke: "révoquer", ActionExpire: "faire expirer", ActionSupersede: "remplacer",
	ActionWithdraw: "retirer", ActionAnnul: "annuler"}

// certStatusFR is each certificate status as a French adjective
// (masculine: le certificat).
var certStatusFR = map[string]string{StatusPending: "en attente", StatusActive: "actif", StatusSuspended: "suspendu",
	StatusCancelled: "annulé", StatusRevoked: "révoqué", StatusExpired: "expiré", StatusSuperseded: "remplacé"}

// ConflictError explains a conflict; it wraps ErrConflict. Format and
// Args, when set (Conflict), are what Reason was printed from: the
// catalogue of registry/msgfr prints Reason in French from them.
type ConflictError struct {
	Reason string
	Format string
	Args   []any
}

// Conflict returns a *ConflictError whose reason is printed from format,
// an English sentence with a French entry in registry/msgfr.
func Conflict(format string, args ...any) *ConflictError {
	return &ConflictError{Reason: fmt.Sprintf(format, args...), Format: format, Args: args}
}

func (e *ConflictError) Error() string { return e.Reason }
func (e *ConflictError) Unwrap() error { return ErrConflict }

// IAFStatus maps a certificate status to IAF CertSearch's vocabulary.
func IAFStatus(s string) string {
	switch s {
	case StatusActive:
		return "active"
	case StatusSuspended:
		return "suspended"
	case StatusExpired:
		return "expired"
	case StatusCancelled, StatusRevoked, StatusSuperseded:
		return "withdrawn"
	}
	return ""
}
