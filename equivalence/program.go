package equivalence

import (
	"slices"

	"github.com/corfed/corfed/registry"
)

// This file holds the parts of a decision that rest on a province's dated
// program facts: hosts' letters, agreement succession and withdrawal,
// employers' presence, and corrected status histories.

// Reason codes of this file (see the package documentation).
const (
	ReasonAgreementWithdrawn    = "agreement_withdrawn"
	ReasonPermanentOfficeInHost = "permanent_office_in_host"
	ReasonLetterExpired         = "letter_expired"
	ReasonLetterVoid            = "letter_void_work_started"
	ReasonHistoryCorrected      = "history_corrected"
	ReasonOperatingInHost       = "operating_in_host"
)

// LetterFact is a host's reciprocity letter and the entry that carries it.
// It counts only when Ref.Iss equals Letter.Host.
type LetterFact struct {
	Letter registry.Letter
	Ref    registry.Ref
}

// hostOffice looks at the employer's presence records in the host on q.On:
// office is true when one shows a permanent office there (emp is that
// record); known is true when some employer record lists its presence at
// all (corfed then takes the list to be complete).
func (d *decider) hostOffice() (emp int, office, known bool) {
	emp = -1
	for i := range d.f.Employers {
		e := &d.f.Employers[i].Employer
		if e.BN != d.q.BN || len(e.Presence) == 0 {
			continue
		}
		for _, p := range e.Presence {
			if p.Jurisdiction == d.q.Host && p.PermanentOffice && p.On(d.q.On) {
				return i, true, true
			}
		}
		if emp < 0 || compareRef(d.f.Employers[i].Ref, d.f.Employers[emp].Ref) < 0 {
			emp = i
		}
	}
	return emp, false, emp >= 0
}

// operatingInHost reports whether an employer record's presence shows the
// employer operating in the host on q.On (BC: reciprocity only for firms
// not operating in BC), and which record.
func (d *decider) operatingInHost() (int, bool) {
	for i := range d.f.Employers {
		e := &d.f.Employers[i].Employer
		if e.BN != d.q.BN {
			continue
		}
		for _, p := range e.Presence {
			if p.Jurisdiction == d.q.Host && p.On(d.q.On) {
				return i, true
			}
		}
	}
	return -1, false
}

// agreementEnd is the last day agreement j counts between home and the
// host: its effective_to, or the day before either withdrew; zero when
// open-ended.
func (d *decider) agreementEnd(j int, home registry.Jurisdiction) registry.Date {
	af := &d.f.Agreements[j]
	end := af.Agreement.Terms.EffectiveTo
	if w, _ := af.WithdrawnFor(home, d.q.Host); !w.IsZero() && (end.IsZero() || w.AddDays(-1).Before(end)) {
		end = w.AddDays(-1)
	}
	return end
}

// succession follows the revisions of agreement j that take over the day
// after end without a break: each names the one before in its supersedes,
// counts (valid, published by a party, signed by every party, not
// withdrawn), is in force the next day, has both parties, names the
// certificate's program, has the same sector and covers the certificate
// and the question as agreements() checks for the agreement in force
// (industry codes included), and carries the host's terms on unchanged. It returns the last day the chain counts (zero: open-ended)
// and the revisions used, in order.
func (d *decider) succession(j int, c *registry.Certificate, end registry.Date) (registry.Date, []int) {
	var used []int
	cur := j
	for len(used) < len(d.f.Agreements) {
		prev := &d.f.Agreements[cur].Agreement.Terms
		pht, _ := prev.Host(d.q.Host)
		next := -1
		for k := range d.f.Agreements {
			t := &d.f.Agreements[k].Agreement.Terms
			if k == cur || t.Supersedes != prev.ID || slices.Contains(used, k) || d.agreementState(k) != agrOK {
				continue
			}
			day := end.AddDays(1)
			if !t.InForce(day) || !t.HasParty(c.Jurisdiction) || !t.HasParty(d.q.Host) ||
				!namesProgram(t.Programs, c) || !sameSector(t.Sector, prev.Sector) {
				continue
			}
			// The coverage agreements() asks of the agreement in force: a
			// revision that narrows its industry codes may no longer cover
			// the certificate or the question.
			if !agreementCoversCert(t, c) || !agreementCoversQuestion(t, d.q.Sector) || !certCovers(d.q.Sector, c, t) {
				continue
			}
			if w, _ := d.f.Agreements[k].WithdrawnFor(c.Jurisdiction, d.q.Host); !w.IsZero() && !day.Before(w) {
				continue
			}
			ht, _ := t.Host(d.q.Host)
			if ht == nil || pht == nil || !sameHostTerms(pht, ht) {
				continue
			}
			if next < 0 || compareRef(d.f.Agreements[k].Ref, d.f.Agreements[next].Ref) < 0 {
				next = k
			}
		}
		if next < 0 {
			break
		}
		used = append(used, next)
		cur = next
		end = d.agreementEnd(next, c.Jurisdiction)
		if end.IsZero() {
			break
		}
	}
	return end, used
}

// sameHostTerms: the host grants the same thing under both (sources aside).
func sameHostTerms(a, b *registry.HostTerms) bool {
	return a.Host == b.Host && a.CapMonths == b.CapMonths && a.CapDays == b.CapDays &&
		slices.Equal(a.Uses, b.Uses) && slices.Equal(a.Conditions, b.Conditions) &&
		slices.Equal(a.ExcludedPrograms, b.ExcludedPrograms)
}

// applyLetter bounds cand by the host's letter for its certificate, when
// the host issued one on or before the date asked (covering the use): the
// recognition then runs to the letter's expiry (the host's cap counted from
// its issue date), and ends when work started where the host's terms void
// it then. With no such letter, the host's caps count from the date asked.
// It returns false (with the finding recorded) when the letter no longer
// counts.
func (d *decider) applyLetter(cand *candidate, x finding, ht *registry.HostTerms) bool {
	c := &d.f.Certificates[cand.cert].Certificate
	on := d.q.On
	voids := has(ht.Conditions, registry.CondVoidOnceWorkStarts)
	li, void := -1, -1 // the latest letter; one under which work started, where that voids reciprocity
	for i := range d.f.Letters {
		lf := &d.f.Letters[i]
		l := &lf.Letter
		if l.Certificate != c.ID || l.Home != c.Jurisdiction || l.Host != d.q.Host || lf.Ref.Iss != l.Host ||
			l.EmployerBN != d.q.BN || on.Before(l.IssuedOn) || !l.Covers(d.q.Use) {
			continue
		}
		if voids && !l.WorkStartedOn.IsZero() && !on.Before(l.WorkStartedOn) {
			void = i
		}
		if li < 0 {
			li = i
			continue
		}
		cur := &d.f.Letters[li]
		if k := l.IssuedOn.Compare(cur.Letter.IssuedOn); k > 0 || k == 0 && compareRef(lf.Ref, cur.Ref) < 0 {
			li = i
		}
	}
	if li < 0 {
		if ht.CapMonths > 0 {
			cand.until, cand.why = tighten(cand.until, cand.why, on.AddMonths(ht.CapMonths).AddDays(-1), limitCapMonths)
		}
		if ht.CapDays > 0 {
			cand.until, cand.why = tighten(cand.until, cand.why, on.AddDays(ht.CapDays-1), limitCapDays)
		}
		return true
	}
	if void >= 0 {
		li = void // work started under one letter: a later one does not bring reciprocity back
	}
	l := &d.f.Letters[li].Letter
	x.letter = li
	switch {
	case on.After(l.ExpiresOn):
		x.code = ReasonLetterExpired
	case voids && !l.WorkStartedOn.IsZero() && !on.Before(l.WorkStartedOn):
		x.code = ReasonLetterVoid
	}
	if x.code != "" {
		d.fail(x)
		return false
	}
	cand.letter = li
	cand.until, cand.why = tighten(cand.until, cand.why, l.ExpiresOn, limitLetter)
	if voids && !l.WorkStartedOn.IsZero() {
		cand.until, cand.why = tighten(cand.until, cand.why, l.WorkStartedOn.AddDays(-1), limitWorkStarted)
	}
	return true
}

// noteCorrection records that the status history of certificate ci (or
// equivalency ei) was corrected in a way that bears on q.On.
func (d *decider) noteCorrection(h []registry.StatusChange, on registry.Date, ci, ei int) {
	if _, ok := registry.Corrected(h, on); !ok {
		return
	}
	x := noFinding(ReasonHistoryCorrected)
	x.cert, x.eqv = ci, ei
	for _, y := range d.notes {
		if y == x {
			return
		}
	}
	d.notes = append(d.notes, x)
}

// programEvidence adds the records a recognition rests on beyond its basis:
// the revisions that carry it on and the host's letter.
func (d *decider) programEvidence(ev []registry.Ref) []registry.Ref {
	b := &d.best
	for _, k := range b.succ {
		ev = append(ev, d.f.Agreements[k].Ref)
	}
	if b.letter >= 0 {
		ev = append(ev, d.f.Letters[b.letter].Ref)
	}
	return ev
}

// programSummary is the part of the summary about revisions and letters.
func (d *decider) programSummary() string {
	b := &d.best
	s := ""
	h := theName(d.q.Host, d.fr)
	for _, k := range b.succ {
		t := &d.f.Agreements[k].Agreement.Terms
		s += pick(d.fr, ", carried on without a break from "+date(t.EffectiveFrom)+" by its revision "+t.ID+
			" (same terms for "+h+", signed by every party)",
			", prolongée sans interruption à partir du "+date(t.EffectiveFrom)+" par sa révision "+t.ID+
				" (mêmes conditions pour "+h+", signée par toutes les parties)")
	}
	if b.letter >= 0 {
		l := &d.f.Letters[b.letter].Letter
		s += pick(d.fr, ", by "+possEN(l.Host)+" "+l.Kind+" letter "+l.ID+" issued on "+date(l.IssuedOn),
			", par la lettre "+letterKindFR(l.Kind)+" "+l.ID+" "+ofFR(l.Host)+" délivrée le "+date(l.IssuedOn))
	}
	return s
}

// programLimitText names the program bounds of valid_until.
func (d *decider) programLimitText(w limit) (string, bool) {
	b := &d.best
	switch w {
	case limitLetter:
		l := &d.f.Letters[b.letter].Letter
		return pick(d.fr, "the expiry of letter "+l.ID+" (the earlier of the certificate's expiry and "+possEN(l.Host)+
			" cap counted from the letter's issue date, "+date(l.IssuedOn)+")",
			"date d'expiration de la lettre "+l.ID+" (la plus proche de l'expiration du certificat et du plafond "+ofFR(l.Host)+
				", compté à partir de la date de délivrance de la lettre, le "+date(l.IssuedOn)+")"), true
	case limitWorkStarted:
		l := &d.f.Letters[b.letter].Letter
		return pick(d.fr, "the day before work started "+JurisdictionIn(l.Host, English)+" ("+date(l.WorkStartedOn)+"), which voids letter "+l.ID,
			"veille du début des travaux "+JurisdictionIn(l.Host, French)+" ("+date(l.WorkStartedOn)+"), qui annule la lettre "+l.ID), true
	}
	return "", false
}

// renderProgram writes the text of the findings of this file.
func (d *decider) renderProgram(x finding, r *Reason) bool {
	hj := d.q.Host
	h, in := theName(hj, d.fr), JurisdictionIn(hj, langOf(d.fr))
	on := date(d.q.On)
	var l *registry.Letter
	if x.letter >= 0 {
		l = &d.f.Letters[x.letter].Letter
		r.Refs = append(r.Refs, d.f.Letters[x.letter].Ref)
	}
	switch x.code {
	case ReasonAgreementWithdrawn:
		af := &d.f.Agreements[x.agr]
		var home registry.Jurisdiction
		if x.cert >= 0 {
			home = d.f.Certificates[x.cert].Certificate.Jurisdiction
		}
		on, who := af.WithdrawnFor(home, d.q.Host)
		id, w := af.Agreement.Terms.ID, date(on)
		r.Text = pick(d.fr, "Agreement "+id+" no longer counts from "+w+": "+theName(who, false)+" withdrew from it.",
			"L'entente "+id+" ne compte plus à partir du "+w+" : "+theName(who, true)+
				agreeFR(who, " s'en est retiré.", " s'en est retirée.", " s'en sont retirés."))
	case ReasonPermanentOfficeInHost:
		r.Text = pick(d.fr, "The employer's records show a permanent office "+in+" on "+on+", and "+h+
			verb(hj, " grants", " grant")+" reciprocity only to employers with none.",
			"Les dossiers de l'employeur indiquent un établissement permanent "+in+" le "+on+", et "+h+
				verb(hj, " n'accorde", " n'accordent")+" la réciprocité qu'aux employeurs qui n'en ont aucun.")
	case ReasonOperatingInHost:
		r.Text = pick(d.fr, "The employer's records show it operating "+in+" on "+on+", and "+h+
			verb(hj, " grants", " grant")+" reciprocity only to employers not operating there.",
			"Les dossiers de l'employeur indiquent qu'il exerce ses activités "+in+" le "+on+", et "+h+
				verb(hj, " n'accorde", " n'accordent")+" la réciprocité qu'aux employeurs qui n'y exercent pas d'activités.")
	case ReasonLetterExpired:
		r.Text = pick(d.fr, capFirst(possEN(hj))+" letter "+l.ID+" for this certificate, issued on "+date(l.IssuedOn)+", was valid through "+
			date(l.ExpiresOn)+", before "+on+"; a new letter is needed.",
			"La lettre "+l.ID+" "+ofFR(hj)+" pour ce certificat, délivrée le "+date(l.IssuedOn)+", était valide jusqu'au "+
				date(l.ExpiresOn)+", avant le "+on+" ; une nouvelle lettre est nécessaire.")
	case ReasonLetterVoid:
		r.Text = pick(d.fr, capFirst(possEN(hj))+" letter "+l.ID+" is void since work started "+in+" on "+date(l.WorkStartedOn)+
			"; the work needs "+possEN(hj)+" own COR equivalency.",
			"La lettre "+l.ID+" "+ofFR(hj)+" est nulle depuis le début des travaux "+in+" le "+date(l.WorkStartedOn)+
				" ; les travaux exigent l'équivalence COR "+ofFR(hj)+".")
	case ReasonHistoryCorrected:
		var hist []registry.StatusChange
		name := ""
		if x.cert >= 0 {
			c := &d.f.Certificates[x.cert].Certificate
			hist, name = c.History, certName(c)
		} else {
			e := &d.f.Equivalencies[x.eqv].Equivalency
			hist, name = e.History, equivalencyName(e)
		}
		c, _ := registry.Corrected(hist, d.q.On)
		when := date(c.CorrectedOn())
		what := pick(d.fr, "a "+c.Status+" status from "+date(c.On)+" was recorded late",
			"un statut « "+StatusWord(c.Status, French)+" » à compter du "+date(c.On)+" a été enregistré tardivement")
		var why string
		by := c.By
		if c.Annulled != nil {
			what = pick(d.fr, "the "+c.Status+" status from "+date(c.On)+" was annulled as a mistake",
				"le statut « "+StatusWord(c.Status, French)+" » à compter du "+date(c.On)+" a été annulé comme erroné")
			by = c.Annulled.By
			if d.fr && c.Annulled.ReasonFR != "" {
				why = c.Annulled.ReasonFR // an annulment corfed wrote (the lifecycle job)
			} else {
				why = d.quote(c.Annulled.Reason)
			}
		} else {
			why = d.reasonIn(c)
		}
		r.Text = pick(d.fr, "The status history of "+name+" for "+on+" was corrected on "+when+": "+what,
			"L'historique des statuts de "+name+" pour le "+on+" a été corrigé le "+when+" : "+what)
		if by != "" {
			r.Text += pick(d.fr, " by ", " par ") + by
		}
		r.Text += " (" + why + pick(d.fr, "). This answer uses the corrected history; proofs made before "+when+" show what was known then.",
			"). Cette réponse s'appuie sur l'historique corrigé ; les preuves produites avant le "+when+" montrent ce qui était connu alors.")
	default:
		return false
	}
	return true
}

// letterKindFR is a letter kind as a French complement of "lettre".
func letterKindFR(kind string) string {
	switch kind {
	case registry.LetterBid:
		return "de soumission"
	case registry.LetterTemporary:
		return "temporaire"
	case registry.LetterEquivalency:
		return "d'équivalence"
	}
	return "(" + kind + ")"
}

// ReasonProjection is added by the answering node, not by Decide (which
// reads no clock), after the other reasons of a decision about a date
// later than the day it was made: the decision is a projection from the
// records of that day (see Projection).
const ReasonProjection = "projection_from_today"

// Projection is the reason an answering node adds to a decision about
// q.On when q.On is after today, the day it decides in the host's zone:
// the records say nothing yet of what happens between today and q.On (a
// suspension, a revocation, a withdrawal), so the decision is what today's
// records project for that date, and its proof expires as a refusal's
// does, within a day.
func Projection(q Question, today registry.Date) Reason {
	return Reason{Code: ReasonProjection, Text: pick(q.Lang == French,
		date(q.On)+" is after today ("+date(today)+" "+JurisdictionIn(q.Host, English)+"): this is a projection from today's records, which cannot show what changes before then (a suspension, a revocation, a withdrawal). Ask again on or near "+date(q.On)+".",
		"Le "+date(q.On)+" est postérieur à aujourd'hui (le "+date(today)+" "+JurisdictionIn(q.Host, French)+") : ceci est une projection à partir des registres d'aujourd'hui, qui ne peuvent montrer ce qui change d'ici là (une suspension, une révocation, un retrait). Posez la question de nouveau le "+date(q.On)+" ou peu avant.")}
}
