package registry

import (
	"fmt"
	"slices"
	"sort"
)

// Credential kinds.
const (
	CredExternal  = "external"
	CredPeer      = "peer"
	CredInternal  = "internal"
	CredCandidate = "candidate"
)

// CredentialKinds lists every credential kind.
var CredentialKinds = []string{CredExternal, CredPeer, CredInternal, CredCandidate}

// Auditor statuses, derived on a date (AuditorRules, discipline, QA).
const (
	AuditorCandidate   = "candidate"
	AuditorCertified   = "certified"
	AuditorSuspended   = "suspended"
	AuditorRevoked     = "revoked"
	AuditorLapsed      = "lapsed"
	AuditorUncertified = "uncertified" // no credential in force on the date
)

// Credential is an auditor's certification with one CP. An external
// credential is national (any CP may use the auditor); peer, internal and
// candidate credentials count only for their own CP. A candidate's
// CertifiedOn is the day of the course.
type Credential struct {
	CP          string `json:"cp"`
	Kind        string `json:"kind"`
	CertifiedOn Date   `json:"certified_on"`
	ExpiresOn   Date   `json:"expires_on,omitzero"` // default: certified_on + the program's period (36 months)
}

// Auditor is an auditor of the national registry. Its home node (the one
// that registered it) signs it and keeps its credentials; every node reads
// it through the federation.
type Auditor struct {
	ID          string       `json:"id"`
	Name        string       `json:"name"`
	Home        Jurisdiction `json:"home"`
	EmployerBN  string       `json:"employer_bn,omitempty"` // the employer that employs the auditor, for independence rules
	Credentials []Credential `json:"credentials"`
}

// Discipline actions.
const (
	DisciplineReprimand = "reprimand"
	DisciplineSuspend   = "suspend"
	DisciplineRevoke    = "revoke"
	DisciplineReinstate = "reinstate"
)

// DisciplineActions lists every discipline action.
var DisciplineActions = []string{DisciplineReprimand, DisciplineSuspend, DisciplineRevoke, DisciplineReinstate}

// DisciplineAction is one action a body took on an auditor.
type DisciplineAction struct {
	Action string `json:"action"`
	Reason string `json:"reason"`
	On     Date   `json:"on"`
	By     string `json:"by"` // the principal that signed it off
}

// Discipline is one body's (one node's) discipline record of one auditor:
// every action it took, oldest first. Its id is the auditor's id; each
// node keeps its own in its own feed and every node reads all of them.
type Discipline struct {
	Auditor string             `json:"auditor"`
	Body    Jurisdiction       `json:"body"`
	Actions []DisciplineAction `json:"actions"`
}

// Validate checks an auditor record on its own. It reports every problem
// found at once (ValidationErrors).
func (a Auditor) Validate() error {
	var v collect
	if !ValidID(a.ID) {
		v.add(Invalid("body.id", "an auditor id is 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit"))
	}
	v.add(checkText("body.name", a.Name, 1, MaxNameLen))
	v.add(checkJurisdiction("body.home", a.Home))
	if a.EmployerBN != "" {
		v.add(CheckBN("body.employer_bn", a.EmployerBN))
	}
	if len(a.Credentials) == 0 {
		v.add(Invalid("body.credentials", "at least one credential"))
	}
	v.add(checkList("body.credentials", a.Credentials, func(f string, c Credential) error {
		var e collect
		if !codeRE.MatchString(c.CP) {
			e.add(Invalid(f+".cp", "a CP id is 2 to 16 upper-case letters or digits, starting with a letter"))
		}
		if !slices.Contains(CredentialKinds, c.Kind) {
			e.add(Invalid(f+".kind", "one of external, peer, internal, candidate"))
		}
		if c.CertifiedOn.IsZero() {
			e.add(Invalid(f+".certified_on", "required, as YYYY-MM-DD"))
		} else if !c.ExpiresOn.IsZero() && !c.ExpiresOn.After(c.CertifiedOn) {
			e.add(Invalid(f+".expires_on", "after certified_on (%s)", c.CertifiedOn))
		}
		return e.err()
	}))
	return v.err()
}

// Validate checks a discipline record on its own. It reports every
// problem found at once (ValidationErrors).
func (d Discipline) Validate() error {
	var v collect
	if !ValidID(d.Auditor) {
		v.add(Invalid("body.auditor", "an auditor id"))
	}
	v.add(checkJurisdiction("body.body", d.Body))
	if len(d.Actions) == 0 || len(d.Actions) > 200 {
		v.add(Invalid("body.actions", "1 to 200 actions"))
		return v.err()
	}
	for i, a := range d.Actions {
		f := fmt.Sprintf("body.actions[%d]", i)
		if !slices.Contains(DisciplineActions, a.Action) {
			v.add(Invalid(f+".action", "one of reprimand, suspend, revoke, reinstate"))
		}
		v.add(checkText(f+".reason", a.Reason, 1, MaxReasonLen))
		switch {
		case a.On.IsZero():
			v.add(Invalid(f+".on", "required, as YYYY-MM-DD"))
		case i > 0 && a.On.Before(d.Actions[i-1].On):
			v.add(Invalid(f+".on", "actions are in date order: %s is before %s", a.On, d.Actions[i-1].On))
		}
	}
	return v.err()
}

// CredentialStanding is a credential with its status on a date.
type CredentialStanding struct {
	Credential
	Status   string `json:"status"`
	Reason   string `json:"reason,omitempty"`
	ReasonFR string `json:"reason_fr,omitempty"`
}

// AuditorStanding is an auditor's status on a date, with why.
type AuditorStanding struct {
	Status      string               `json:"status"`
	Reason      string               `json:"reason,omitempty"`
	ReasonFR    string               `json:"reason_fr,omitempty"`
	Rule        string               `json:"rule,omitempty"`
	Credentials []CredentialStanding `json:"credentials"`
}

// ExpiryOf returns the end of credential c's period under rules r: its
// expires_on when it has one (its home node checked it against its own
// rules when it stored it: see CheckPeriods), else PeriodMonths from
// certified_on.
func (r AuditorRules) ExpiryOf(c Credential) Date {
	if !c.ExpiresOn.IsZero() {
		return c.ExpiresOn
	}
	return r.periodEnd(c)
}

// periodEnd is the last day of c's period: PeriodMonths from certified_on.
func (r AuditorRules) periodEnd(c Credential) Date {
	return c.CertifiedOn.AddMonths(r.PeriodMonths).AddDays(-1)
}

// WithinPeriods returns a with every credential's expires_on at most its
// period's end (a copy: a's credentials are not changed).
func (r AuditorRules) WithinPeriods(a Auditor) Auditor {
	cs := slices.Clone(a.Credentials)
	for i, c := range cs {
		if end := r.periodEnd(c); !c.CertifiedOn.IsZero() && c.ExpiresOn.After(end) {
			cs[i].ExpiresOn = end
		}
	}
	a.Credentials = cs
	return a
}

// CheckPeriods refuses a credential whose expires_on is later than its
// period allows (a certification lasts PeriodMonths; staying certified
// after it takes the audits the rules require and a new credential),
// naming every such credential at once.
func (r AuditorRules) CheckPeriods(a Auditor) error {
	var v collect
	for i, c := range a.Credentials {
		if end := r.periodEnd(c); !c.CertifiedOn.IsZero() && c.ExpiresOn.After(end) {
			v.add(Invalid(fmt.Sprintf("body.credentials[%d].expires_on", i), "at most %s: a credential lasts %d months from certified_on (%s); recertifying takes %d audits in the period and a new credential (rule auditor.period)",
				end, r.PeriodMonths, c.CertifiedOn, r.AuditsToRecertify))
		}
	}
	return v.err()
}

// countIn counts the dates in [from, to].
func countIn(dates []Date, from, to Date) int {
	n := 0
	for _, d := range dates {
		if !d.Before(from) && !d.After(to) {
			n++
		}
	}
	return n
}

// CredentialOn returns credential c's status on d under rules r, given the
// last on-site days of the audits the auditor took part in: "" before it
// starts; a candidate stays a candidate for QualificationDays after the
// course and lapses then without a qualification audit in that window;
// any credential lapses after its period.
func (r AuditorRules) CredentialOn(c Credential, audits []Date, d Date) (status, reason, rule string) {
	status, reason, _, rule = r.credentialOn(c, audits, d)
	return status, reason, rule
}

// credentialOn is CredentialOn with the reason in French too.
func (r AuditorRules) credentialOn(c Credential, audits []Date, d Date) (status, reason, reasonFR, rule string) {
	if d.Before(c.CertifiedOn) {
		return "", "not yet in force", "pas encore en vigueur", ""
	}
	end := r.ExpiryOf(c)
	if c.Kind == CredCandidate {
		qend := c.CertifiedOn.AddDays(r.QualificationDays)
		if d.After(qend) && countIn(audits, c.CertifiedOn, qend) == 0 {
			return AuditorLapsed, fmt.Sprintf("no qualification audit within %d days of the course (%s)", r.QualificationDays, c.CertifiedOn),
				fmt.Sprintf("aucun audit de qualification dans les %d jours suivant le cours du %s", r.QualificationDays, c.CertifiedOn.Words(true)), "auditor.qualification"
		}
		if d.After(end) {
			return AuditorLapsed, fmt.Sprintf("candidacy ended %s", end), fmt.Sprintf("candidature terminée le %s", end.Words(true)), "auditor.period"
		}
		return AuditorCandidate, "", "", ""
	}
	if d.After(end) {
		n := countIn(audits, c.CertifiedOn, end)
		return AuditorLapsed, fmt.Sprintf("the %d-month period ended %s; %d audits in it, %d needed to recertify", r.PeriodMonths, end, n, r.AuditsToRecertify),
			fmt.Sprintf("la période de %d mois a pris fin le %s ; %d audits pendant celle-ci, %d requis pour le renouvellement", r.PeriodMonths, end.Words(true), n, r.AuditsToRecertify), "auditor.period"
	}
	return AuditorCertified, "", "", ""
}

// DisciplineOn returns the discipline status on d from every body's
// record: within one body the latest suspend, revoke or reinstate on or
// before d decides (a reprimand changes nothing); a reinstatement lifts
// only the same body's action; across bodies revoked beats suspended.
func DisciplineOn(ds []Discipline, d Date) (status, reason string) {
	status, reason, _ = disciplineOn(ds, d)
	return status, reason
}

var disciplineFR = map[string]string{AuditorSuspended: "suspendu", AuditorRevoked: "révoqué"}

// DisciplineHold is the discipline action that decides an auditor's
// status on a day: the status it gives (suspended, revoked), the body that
// took it, its date and its reason (the body's own words). Pages build
// their sentence from these parts, in their language.
type DisciplineHold struct {
	Status string
	Body   Jurisdiction
	On     Date
	Reason string
}

// DisciplineHoldOn returns the discipline action deciding the status on d,
// as DisciplineOn reads it; false when none does.
func DisciplineHoldOn(ds []Discipline, d Date) (DisciplineHold, bool) {
	for _, want := range []string{DisciplineRevoke, DisciplineSuspend} {
		for _, disc := range ds {
			var last *DisciplineAction
			for i := range disc.Actions {
				a := &disc.Actions[i]
				if a.On.After(d) || a.Action == DisciplineReprimand {
					continue
				}
				last = a
			}
			if last != nil && last.Action == want {
				st := AuditorSuspended
				if want == DisciplineRevoke {
					st = AuditorRevoked
				}
				return DisciplineHold{Status: st, Body: disc.Body, On: last.On, Reason: last.Reason}, true
			}
		}
	}
	return DisciplineHold{}, false
}

func disciplineOn(ds []Discipline, d Date) (status, reason, reasonFR string) {
	h, ok := DisciplineHoldOn(ds, d)
	if !ok {
		return "", "", ""
	}
	return h.Status, fmt.Sprintf("%s by %s on %s: %s", h.Status, h.Body, h.On, h.Reason),
		fmt.Sprintf("%s par %s le %s : %s", disciplineFR[h.Status], h.Body, h.On.Words(true), h.Reason)
}

// StandingOn derives auditor a's status on d: discipline by any body
// first (revoked, suspended), then QA suspension (qa, from
// OSARSuspension, which has left out one a reinstatement lifted), then
// the best of its credentials (certified, candidate, lapsed), else
// uncertified. audits are the last on-site days of its audits.
func (r AuditorRules) StandingOn(a Auditor, ds []Discipline, audits []Date, qa OSARHold, d Date) AuditorStanding {
	s := AuditorStanding{Credentials: make([]CredentialStanding, 0, len(a.Credentials))}
	rank := map[string]int{AuditorCertified: 3, AuditorCandidate: 2, AuditorLapsed: 1}
	best := 0
	for _, c := range a.Credentials {
		st, why, whyFR, rule := r.credentialOn(c, audits, d)
		if st == "" {
			st = AuditorUncertified
		}
		cs := CredentialStanding{Credential: c, Status: st, Reason: why, ReasonFR: whyFR}
		cs.ExpiresOn = r.ExpiryOf(c)
		s.Credentials = append(s.Credentials, cs)
		if rank[st] > best {
			best, s.Status, s.Reason, s.ReasonFR, s.Rule = rank[st], st, why, whyFR, rule
		}
	}
	if best == 0 {
		s.Status, s.Reason, s.ReasonFR = AuditorUncertified, "no credential in force on "+d.String(), "aucun titre en vigueur le "+d.Words(true)
	}
	if st, why, whyFR := disciplineOn(ds, d); st != "" {
		s.Status, s.Reason, s.ReasonFR, s.Rule = st, why, whyFR, "auditor.discipline"
	} else if qa.Reason != "" && s.Status == AuditorCertified {
		s.Status, s.Reason, s.ReasonFR, s.Rule = AuditorSuspended, qa.Reason, qa.ReasonFR, "auditor.osar"
	}
	sort.SliceStable(s.Credentials, func(i, j int) bool { return s.Credentials[i].CertifiedOn.Before(s.Credentials[j].CertifiedOn) })
	return s
}

// UsableFor reports whether credential standing c lets its auditor audit
// for CP cp: an external credential is national, the others are their
// CP's own.
func (c CredentialStanding) UsableFor(cp string) bool {
	return c.Kind == CredExternal || c.CP == cp
}
