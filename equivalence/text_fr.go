package equivalence

import (
	"strconv"
	"strings"

	"github.com/corfed/corfed/registry"
)

// The French sentences of text.go, one function per English one, in the
// same order. Record identifiers, codes, dates (YYYY-MM-DD) and the reasons
// recorded in a status history are quoted as they are.

func (d *decider) summaryFR() string {
	b := &d.best
	q := &d.q
	var head string
	switch b.basis {
	case BasisHostCOR:
		c := &d.f.Certificates[b.cert].Certificate
		head = "Le certificat " + certName(c) + " a été délivré " + JurisdictionIn(q.Host, French) + " même et il est actif le " + date(q.On)
		if b.agr >= 0 {
			t := &d.f.Agreements[b.agr].Agreement.Terms
			if c.Sector != "" {
				head += ", dans le secteur " + c.Sector + ", dont les codes d'industrie (" + strings.Join(t.IndustryCodes, ", ") +
					") couvrent " + q.Sector + " selon l'entente " + t.ID
			} else {
				head += ", pour les codes d'industrie " + strings.Join(c.IndustryScope, ", ") + ", qui relèvent du secteur " + q.Sector +
					" selon l'entente " + t.ID
			}
		}
	case BasisAgreement:
		c := &d.f.Certificates[b.cert].Certificate
		how := verb(q.Host, " reconnaît", " reconnaissent") + " le certificat "
		if b.rank == rankConditional {
			how = verb(q.Host, " reconnaît", " reconnaissent") + ", sous conditions, le certificat "
		}
		head = subject(q.Host, true) + how + certName(c) + " délivré " + JurisdictionIn(c.Jurisdiction, French) + ", actif le " + date(q.On) + ", " +
			useTextFR(q.Use) + " en vertu de l'entente " + d.f.Agreements[b.agr].Agreement.Terms.ID + ", signée par toutes les parties" +
			d.programSummary()
	case BasisISO:
		e := &d.f.Equivalencies[b.eqv].Equivalency
		head = subject(q.Host, true) + verb(q.Host, " accepte", " acceptent") + " le certificat " + e.Standard + " " + e.ExternalNumber + " de " + e.CertificationBody +
			" comme équivalent à " + its(q.Host, true, false) + " COR en vertu de " + its(q.Host, true, true) + " règles " + d.f.HostRules[b.rules].Rules.ID +
			", en vigueur le " + date(q.On)
	}
	return head + " ; valide jusqu'au " + date(b.until) + " inclusivement, " + d.limitText() + "."
}

func (d *decider) limitTextFR() string {
	b := &d.best
	hj := d.q.Host
	switch b.why {
	case limitExpiry:
		return "date d'expiration du certificat"
	case limitStatus:
		if b.cert >= 0 {
			c := &d.f.Certificates[b.cert].Certificate
			return "veille du changement de statut enregistré : " + d.nextInactiveStatus(c.History)
		}
		e := &d.f.Equivalencies[b.eqv].Equivalency
		return "veille du changement de statut enregistré : " + d.nextInactiveStatus(e.History)
	case limitCapMonths:
		return "plafond de " + strconv.Itoa(b.terms.CapMonths) + " mois fixé par " + theName(hj, true) + ", compté à partir du " + date(d.q.On) +
			" (le certificat expire le " + date(d.f.Certificates[b.cert].Certificate.ExpiresOn) + ")"
	case limitCapDays:
		return "plafond de " + strconv.Itoa(b.terms.CapDays) + " jours fixé par " + theName(hj, true) + ", compté à partir du " + date(d.q.On) +
			" (le certificat expire le " + date(d.f.Certificates[b.cert].Certificate.ExpiresOn) + ")"
	case limitAgreement:
		return "fin de l'entente"
	case limitEqvValidTo:
		return "date d'expiration de la certification elle-même"
	case limitRulesEnd:
		return "fin des règles en vigueur à la date demandée"
	case limitRulesNext:
		next := &d.f.HostRules[d.rulesNext].Rules
		return "veille de l'entrée en vigueur, le " + date(next.EffectiveFrom) + ", des règles suivantes " + next.ID + " " + ofFR(hj)
	case limitTerm:
		return "durée de " + strconv.Itoa(b.rule.TermMonths) + " mois prévue par la règle, comptée à partir du " + date(d.q.On) +
			" (la certification expire le " + date(d.f.Equivalencies[b.eqv].Equivalency.ValidTo) + ")"
	}
	return "ses limites"
}

func (d *decider) conditionTextFR(code string, met bool, c *registry.Certificate) string {
	of, in := ofFR(d.q.Host), JurisdictionIn(d.q.Host, French)
	switch code {
	case registry.CondNoActiveHostWCBAccount:
		if met {
			return "Seulement pour les employeurs sans compte actif auprès de la commission des accidents du travail " + of +
				" : les dossiers de l'employeur n'en indiquent aucun."
		}
		return "Seulement pour les employeurs sans compte actif auprès de la commission des accidents du travail " + of +
			" : aucun dossier d'employeur ne permet de le montrer ; confirmez-le avant de vous y fier."
	case registry.CondBidUseOnly:
		return "Pour les soumissions seulement : ne vaut pas pour exécuter les travaux " + in + "."
	case registry.CondVoidOnceWorkStarts:
		return "Nulle dès que les travaux commencent " + in + " ; les travaux exigent alors l'équivalence COR " + of +
			", délivrée comme certificat " + of + "."
	case registry.CondNoPermanentOfficeInHost:
		if met {
			return "Seulement pour les employeurs sans établissement permanent " + in +
				" : les dossiers de présence de l'employeur n'en indiquent aucun."
		}
		return "Seulement pour les employeurs sans établissement permanent " + in +
			" ; aucun dossier d'employeur n'indique où il a ses bureaux, confirmez-le donc."
	case registry.CondPerWCBAccount:
		covered, closed, _ := d.coveredAccounts(c)
		switch {
		case met && len(closed) == 0:
			return "Chaque compte auprès de la commission des accidents du travail est admissible séparément : la reconnaissance couvre les comptes que nomme le certificat (" +
				strings.Join(c.WCBAccounts, ", ") + ")."
		case met:
			return "Chaque compte auprès de la commission des accidents du travail est admissible séparément : la reconnaissance couvre les comptes que nomme le certificat qui sont ouverts le " +
				date(d.q.On) + " (" + strings.Join(covered, ", ") + "), et non " + strings.Join(closed, ", ") + ", que les dossiers de l'employeur ne montrent pas ouverts à cette date."
		case len(closed) > 0:
			return "Chaque compte auprès de la commission des accidents du travail est admissible séparément, et aucun des comptes que nomme le certificat (" +
				strings.Join(closed, ", ") + ") n'est ouvert le " + date(d.q.On) + " selon les dossiers de l'employeur : aucun compte n'est donc admissible."
		}
		return "Chaque compte auprès de la commission des accidents du travail est admissible séparément, et le certificat n'en nomme aucun : on ne peut donc pas montrer quels comptes sont admissibles."
	case registry.CondYearlyReapplication:
		return "L'équivalence se demande de nouveau chaque année ; cette reconnaissance dure au plus 12 mois."
	case registry.CondCertificationMaintained:
		return "Maintenue aux années 2 et 3 sur preuve du maintien de la certification ISO/CSA."
	}
	return "Condition " + code + "."
}

// textFR is the French sentence of finding x.
func (d *decider) textFR(x finding, c *registry.Certificate, t *registry.AgreementTerms, af *AgreementFact, e *registry.Equivalency, hr *registry.HostRules) string {
	q := &d.q
	hj := q.Host
	h, of, in := theName(hj, true), ofFR(hj), JurisdictionIn(hj, French)
	on := date(q.On)
	switch x.code {
	case ReasonNoCertificate:
		return "Aucun certificat ni aucune équivalence de l'employeur " + q.BN + " ne figure parmi les faits."
	case ReasonCertificateIssuerMismatch:
		return "Le certificat " + certName(c) + " " + ofFR(c.Jurisdiction) + " a été publié par le nœud " + ofFR(d.f.Certificates[x.cert].Ref.Iss) +
			" ; un nœud ne peut publier que les certificats de sa propre autorité, il est donc ignoré."
	case ReasonCertificateInvalid:
		return "Le certificat " + certName(c) + " n'a pas d'autorité, de date de délivrance ou de date d'expiration valide ; il est donc ignoré."
	case ReasonCertificateNotYetIssued:
		if q.On.Before(c.IssuedOn) {
			return "Le certificat " + certName(c) + " a été délivré le " + date(c.IssuedOn) + ", après le " + on + "."
		}
		return "Le certificat " + certName(c) + " n'a aucun statut enregistré au plus tard le " + on + "."
	case ReasonCertificateExpired:
		if q.On.After(c.ExpiresOn) {
			return "Le certificat " + certName(c) + " est expiré : il était valide jusqu'au " + date(c.ExpiresOn) + ", avant le " + on + "."
		}
		return "Le certificat " + certName(c) + " est enregistré comme expiré le " + on + "."
	case ReasonCertificatePending, ReasonCertificateSuspended, ReasonCertificateCancelled, ReasonCertificateRevoked,
		ReasonCertificateSuperseded, ReasonCertificateNotActive:
		return "Le certificat " + certName(c) + " est " + StatusWord(x.status, French) + " le " + on + d.statusSince(c) + ", et non actif."
	case ReasonSectorMismatch:
		switch x.detail {
		case sectorCertVsQuestion:
			return "Le certificat " + certName(c) + " (secteur " + orNoneFR(c.Sector) + ", portée industrielle " + orNoneFR(strings.Join(c.IndustryScope, " ")) +
				") ne couvre pas " + q.Sector + "."
		case sectorAgreementVsCert:
			return "Le certificat " + certName(c) + " (secteur " + orNoneFR(c.Sector) + ", portée industrielle " + orNoneFR(strings.Join(c.IndustryScope, " ")) +
				") n'est pas du secteur " + t.Sector + " que couvre l'entente " + t.ID + "."
		case sectorAgreementVsQuestion:
			return "L'entente " + t.ID + " couvre le secteur " + t.Sector + ", et non " + q.Sector + "."
		case sectorEquivalencyVsQuestion:
			return "Le certificat " + equivalencyName(e) + " couvre les codes d'industrie " + strings.Join(e.IndustryCodes, " ") + ", et non " + q.Sector + "."
		}
	case ReasonNoAgreement:
		return "Aucune entente parmi les faits n'a à la fois " + theName(c.Jurisdiction, true) + " et " + h + " pour parties ; le certificat " +
			certName(c) + " " + ofFR(c.Jurisdiction) + " n'est donc pas reconnu " + in + " par réciprocité."
	case ReasonAgreementNotInForce:
		return "L'entente " + t.ID + " entre " + theName(c.Jurisdiction, true) + " et " + h + " est en vigueur " + periodFR(t.EffectiveFrom, t.EffectiveTo) +
			", et non le " + on + "."
	case ReasonAgreementInvalid:
		return "L'entente " + t.ID + " n'est pas valide (" + errText(t.Validate()) + ") ; elle est donc ignorée."
	case ReasonAgreementIssuerNotParty:
		return "L'entente " + t.ID + " a été publiée par le nœud " + ofFR(af.Ref.Iss) + ", qui n'y est pas partie ; elle est donc ignorée."
	case ReasonAgreementUnsigned:
		return "Il manque à l'entente " + t.ID + " une signature vérifiée " + ofEach(missingSignatures(af)) +
			" ; une entente ne compte que si toutes les parties l'ont signée, elle est donc ignorée."
	case ReasonProgramNotInAgreement:
		if c.ProgramDefinition != "" {
			return "L'entente " + t.ID + " reconnaît seulement " + strings.Join(t.Programs, ", ") + ", et non " + c.Program +
				" délivré en vertu du programme " + c.ProgramDefinition + "."
		}
		return "L'entente " + t.ID + " reconnaît seulement " + strings.Join(t.Programs, ", ") + ", et non " + c.Program + "."
	case ReasonProgramDefinitionExcluded:
		return subject(hj, true) + verb(hj, " exclut", " excluent") + " le programme " + c.ProgramDefinition + ", en vertu duquel le certificat " + certName(c) +
			" a été délivré, de la reconnaissance qu'" + agreeFR(hj, "il accorde", "elle accorde", "ils accordent") + " en vertu de l'entente " + t.ID + "."
	case ReasonProgramExcludedByHost:
		if hr != nil {
			return subject(hj, true) + verb(hj, " ne reconnaît", " ne reconnaissent") + " le " + c.Program + " d'aucune autre autorité en vertu de " +
				its(hj, true, true) + " règles " + hr.ID + "."
		}
		return subject(hj, true) + verb(hj, " exclut ", " excluent ") + c.Program + " de la reconnaissance qu'" +
			agreeFR(hj, "il accorde", "elle accorde", "ils accordent") + " en vertu de l'entente " + t.ID + "."
	case ReasonUseNotAllowed:
		var allowed []string
		for _, u := range hostUses(t, q.Host) {
			if u == UseWork {
				allowed = append(allowed, "pour l'exécution de travaux")
			} else {
				allowed = append(allowed, "pour les soumissions")
			}
		}
		return "En vertu de l'entente " + t.ID + ", " + h + verb(hj, " reconnaît", " reconnaissent") + " le certificat d'une autre autorité " + strings.Join(allowed, " et ") +
			" seulement, et non " + useTextFR(q.Use) + "."
	case ReasonWorkVoidsReciprocity:
		return "En vertu de l'entente " + t.ID + ", la reconnaissance " + of + " devient nulle dès que les travaux commencent " + in +
			" ; y travailler exige l'équivalence COR " + of + " (avec son supplément), délivrée comme certificat " + of + "."
	case ReasonHostWCBAccountActive:
		return "L'employeur a un compte actif auprès de la commission des accidents du travail " + of + ", et " + h +
			verb(hj, " n'accorde", " n'accordent") + " la réciprocité qu'aux employeurs qui n'en ont pas."
	case ReasonEquivalencyNotAccepted:
		return "Le certificat " + equivalencyName(e) + " a pour décision " + orNoneFR(StatusWord(x.status, French)) + ", et non accepté."
	case ReasonEquivalencyNotYetValid:
		return "Le certificat " + equivalencyName(e) + " est valide à partir du " + orNoneFR(date(e.ValidFrom)) + ", après le " + on + "."
	case ReasonEquivalencyExpired:
		return "Le certificat " + equivalencyName(e) + " était valide jusqu'au " + orNoneFR(date(e.ValidTo)) + ", avant le " + on + "."
	case ReasonEquivalencyNotActive:
		return "Le certificat " + equivalencyName(e) + " est " + StatusWord(x.status, French) + " le " + on + ", et non actif."
	case ReasonHostRulesUnknown:
		if e == nil && c != nil {
			return "Aucune règle " + of + " en vigueur le " + on + " et qui compte ne figure parmi les faits ; on ne sait donc pas si " + h +
				verb(hj, " reconnaît", " reconnaissent") + " le certificat " + certName(c) + " " + ofFR(c.Jurisdiction) + ", " + certKindFR(c) + "."
		}
		return "Aucune règle " + of + " en vigueur le " + on + " et qui compte ne figure parmi les faits ; on ne sait donc pas si " + h +
			verb(hj, " accepte ", " acceptent ") + e.Standard + "."
	case ReasonBasisEquivalencyUnknown:
		return "Le certificat " + certName(c) + " " + ofFR(c.Jurisdiction) + " a été délivré sur la foi du dossier d'équivalence " + c.BasisRef +
			", qui ne figure pas parmi les faits ; on ne sait donc pas si " + h + verb(hj, " accepte", " acceptent") +
			" la certification ISO/CSA sur laquelle il repose."
	case ReasonHostRulesIssuerMismatch:
		return "Les règles " + hr.ID + " " + of + " ont été publiées par le nœud " + ofFR(d.f.HostRules[x.rules].Ref.Iss) +
			" ; " + agreeFR(hj, "seul ", "seule ", "seuls ") + h + verb(hj, " peut", " peuvent") + " publier " + its(hj, true, true) +
			" règles, elles sont donc ignorées."
	case ReasonHostRulesInvalid:
		return "Les règles " + hr.ID + " " + of + " ne sont pas valides (" + errText(hr.Validate()) + ") ; elles sont donc ignorées."
	case ReasonISONotAccepted:
		text := subject(hj, true) + verb(hj, " n'accepte", " n'acceptent") + " pas la certification ISO/CSA comme équivalente au COR"
		if q.Sector != "" {
			text += " pour " + q.Sector
		}
		return text + " en vertu de " + its(hj, true, true) + " règles " + hr.ID + "."
	case ReasonStandardNotAccepted:
		rule := pickRule(hr.Equivalency, q.Sector)
		return subject(hj, true) + verb(hj, " accepte ", " acceptent ") + strings.Join(rule.Standards, ", ") + ", et non " + orNoneFR(e.Standard) + "."
	case ReasonBodyNotDesignated:
		return subject(hj, true) + verb(hj, " exige", " exigent") + " un organisme de certification désigné et accrédité ; le certificat " + equivalencyName(e) + " nomme l'organisme " +
			orNoneFR(e.CertificationBody) + " et l'organisme d'accréditation " + orNoneFR(e.AccreditationBody) + "."
	case ReasonIAFMarkMissing:
		return subject(hj, true) + verb(hj, " exige", " exigent") + " la marque d'un organisme d'accréditation reconnu par l'IAF, que le certificat " + equivalencyName(e) + " ne porte pas."
	case ReasonScopeNotAligned:
		return subject(hj, true) + verb(hj, " exige", " exigent") + " que la portée de la certification couvre toutes les activités de l'employeur ; celle du certificat " +
			equivalencyName(e) + " ne les couvre pas."
	case ReasonScopeExcludesHost:
		return "Le certificat " + equivalencyName(e) + " couvre des activités " + inEach(e.Provinces, true) + ", et non " + in + "."
	case ReasonEquivalencyIssuerNotCovered:
		return "Le certificat " + equivalencyName(e) + " a été publié par le nœud " + ofFR(d.f.Equivalencies[x.eqv].Ref.Iss) +
			", qui n'est ni celui " + of + " ni celui d'une province ou d'un territoire où se trouvent les activités certifiées (provinces : " +
			orNoneFem(namesOf(e.Provinces, true)) + ") ; il ne compte donc pas " + in + "."
	}
	return "Code " + x.code + "."
}

// useTextFR completes "pour ..." / "et non ...".
func useTextFR(u string) string {
	if u == UseWork {
		return "pour exécuter des travaux"
	}
	return "pour soumissionner"
}

func periodFR(from, to registry.Date) string {
	if to.IsZero() {
		return "à partir du " + date(from)
	}
	return "du " + date(from) + " au " + date(to)
}

// orNoneFem is orNoneFR after a feminine noun ("provinces : aucune").
func orNoneFem(s string) string {
	if s == "" {
		return "aucune"
	}
	return s
}

func orNoneFR(s string) string {
	if s == "" {
		return "aucun"
	}
	return s
}

// invalidQuestionText is the invalid_question sentence for q, which failed
// Question.Validate with err: in English, the validation messages; in
// French, a French sentence for each field at fault (the messages
// Validate writes are English).
func invalidQuestionText(q Question, err error) string {
	if q.Lang != French {
		return "The question is invalid: " + err.Error() + "."
	}
	var parts []string
	for _, ve := range registry.Problems(err) {
		var s string
		switch ve.Field {
		case "bn":
			s = "le numéro d'entreprise (NE9) doit compter 9 chiffres, dont le dernier est la clé de contrôle de Luhn"
		case "host":
			s = "« " + string(q.Host) + " » n'est pas un code ISO 3166-2:CA (l'un de CA-AB, CA-BC, ... CA-YT)"
		case "use":
			s = "on attend « " + UseBid + " » (soumissions seulement) ou « " + UseWork + " » (travaux dans l'hôte)"
		case "on":
			s = "on attend la date visée par la question (AAAA-MM-JJ)"
		case "lang":
			s = "on attend « " + string(English) + " » (anglais) ou « " + string(French) + " » (français)"
		case "sector":
			s = "on attend un nom de secteur comme « construction » ou un code SCIAN de 2 à 10 chiffres"
		default:
			s = "valeur refusée"
		}
		parts = append(parts, ve.Field+" : "+s)
	}
	if len(parts) == 0 {
		return "La question est invalide."
	}
	return "La question est invalide : " + strings.Join(parts, " ; ") + "."
}

// certKindFR: certKindEN in French.
func certKindFR(c *registry.Certificate) string {
	if c.Program == registry.ProgramSECOR {
		return "un SECOR d'une autre administration"
	}
	return "un " + c.Program + " délivré sur la foi d'une équivalence ISO/CSA"
}
