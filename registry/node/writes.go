package node

import (
	"context"
	"errors"
	"fmt"
	"github.com/corfed/corfed/equivalence"
	"slices"
	"strings"

	"github.com/corfed/corfed/registry"
)

func exists(l feedReader, kind registry.Kind, id string) (registry.Entry, bool, error) {
	e, err := l.Latest(kind, id)
	switch {
	case err == nil:
		return e, true, nil
	case errors.Is(err, registry.ErrNotFound):
		return registry.Entry{}, false, nil
	}
	return registry.Entry{}, false, err
}

// employerKeys indexes an employer by its BN, each of its names as a
// search reads them ("name", registry.NameKey: folded, without "and" and
// "et"; searches read them by prefix, bulk match exactly and by core) and
// its WCB accounts folded ("wcb").
func employerKeys(e registry.Employer) []registry.IndexKey {
	keys := []registry.IndexKey{{Name: "bn", Value: e.BN}, {Name: "name", Value: registry.NameKey(e.LegalName)}}
	for _, o := range e.OperatingNames {
		keys = append(keys, registry.IndexKey{Name: "name", Value: registry.NameKey(o)})
	}
	for _, a := range e.WCBAccounts {
		keys = append(keys, registry.IndexKey{Name: "wcb", Value: registry.FoldWCB(a.Number)})
	}
	return keys
}

// PutEmployer creates the employer (create=true: fails with ErrConflict if
// it exists) or stores a new version of it.
func (n *Node) PutEmployer(ctx context.Context, p Principal, e registry.Employer, create bool) (registry.Entry, error) {
	if err := p.require(ScopeEmployers); err != nil {
		return registry.Entry{}, err
	}
	if err := e.Validate(); err != nil {
		return registry.Entry{}, n.omittedToo(ctx, registry.KindEmployer, e.BN, err)
	}
	today := n.Today()
	grant, err := n.cpMayChangeEmployer(ctx, p, e.BN)
	if err != nil {
		return registry.Entry{}, err
	}
	if testHookAuthorityChecked != nil {
		testHookAuthorityChecked()
	}
	return n.commitChange(ctx, registry.KindEmployer, e.BN, func(l feedReader, prev *registry.Entry) (any, []registry.IndexKey, error) {
		if create && prev != nil {
			return nil, nil, registry.Conflict("employer %s already exists (version %d); use PUT to change it", e.BN, prev.Ver)
		}
		if err := grant.holds(l, p, e.BN, prev, today); err != nil {
			return nil, nil, err
		}
		e := e
		var stored *registry.Employer
		if prev != nil {
			old, err := decode[registry.Employer](*prev)
			if err != nil {
				return nil, nil, err
			}
			e, stored = keepClosedAccounts(old, e, today), &old
		}
		if err := cpAccountsFree(l, p, stored, e, today); err != nil {
			return nil, nil, err
		}
		return e, employerKeys(e), nil
	})
}

// PutCP creates or updates a certifying partner of this node's jurisdiction.
// Only the program administrator may.
func (n *Node) PutCP(ctx context.Context, p Principal, cp registry.CertifyingPartner, create bool) (registry.Entry, error) {
	if err := p.require(ScopeCPs); err != nil {
		return registry.Entry{}, err
	}
	if p.Role != RoleAdmin {
		return registry.Entry{}, fmt.Errorf("only the program administrator registers certifying partners: %w", registry.ErrForbidden)
	}
	if err := cp.Validate(); err != nil {
		return registry.Entry{}, n.omittedToo(ctx, registry.KindCP, cp.ID, err)
	}
	return n.commitChange(ctx, registry.KindCP, cp.ID, func(l feedReader, prev *registry.Entry) (any, []registry.IndexKey, error) {
		if create && prev != nil {
			return nil, nil, registry.Conflict("certifying partner %s already exists", cp.ID)
		}
		return cp, nil, nil
	})
}

// NewCertificate is what a client gives to create a certificate.
type NewCertificate struct {
	Issuer        string        `json:"issuer"`
	Number        string        `json:"number"`
	Program       string        `json:"program"`
	EmployerBN    string        `json:"employer_bn"`
	WCBAccounts   []string      `json:"wcb_accounts,omitempty"`
	IndustryScope []string      `json:"industry_scope,omitempty"`
	Sector        string        `json:"sector,omitempty"`
	Basis         string        `json:"basis,omitempty"`
	BasisRef      string        `json:"basis_ref,omitempty"`
	IssuedOn      registry.Date `json:"issued_on"`
	TermMonths    int           `json:"term_months,omitempty"`
	DocMonths     int           `json:"documentation_months,omitempty"`
	ExpiresOn     registry.Date `json:"expires_on,omitzero"` // optional: computed from IssuedOn and TermMonths
	Status        string        `json:"status,omitempty"`    // "active" (default) or "pending"
	Reason        string        `json:"reason,omitempty"`    // the initial status's reason; default "certification audit passed"

	// ProgramDefinition: see registry.Certificate; taken from the basis
	// audit when basis_ref names one (CheckAuditBasis).
	ProgramDefinition string `json:"program_definition,omitempty"`
}

func certKeys(c registry.Certificate) []registry.IndexKey {
	keys := []registry.IndexKey{{Name: "bn", Value: c.EmployerBN}, {Name: "number", Value: strings.ToLower(c.Number)}}
	for _, a := range c.WCBAccounts {
		keys = append(keys, registry.IndexKey{Name: "wcb", Value: registry.FoldWCB(a)})
	}
	keys = append(keys, statusKeys(c)...) // search.go
	keys = append(keys, liveKey(c)...)    // lifecycle.go
	return append(keys, basisKey(c)...)
}

// basisKey indexes a certificate based on an audit by the audit it names
// ("basis"), and one based on an ISO/CSA equivalency by the equivalency
// ("eqv"), unless it is superseded: the certificate that holds the audit
// or equivalency (checkAuditFree).
func basisKey(c registry.Certificate) []registry.IndexKey {
	if c.BasisRef == "" || c.Status == registry.StatusSuperseded {
		return nil
	}
	switch c.Basis {
	case registry.BasisAudit:
		return []registry.IndexKey{{Name: "basis", Value: c.BasisRef}}
	case registry.BasisEquivalency:
		return []registry.IndexKey{{Name: "eqv", Value: c.BasisRef}}
	}
	return nil
}

// checkAuditFree refuses c, a new certificate, when the audit it names in
// basis_ref is recorded on this node and another certificate already
// rests on it, in whatever status but superseded: one certifying audit
// issues one certificate. A renewal needs a new certifying audit, and a
// certificate cancelled, revoked or expired must not come back as another
// on the same audit. (A certificate's own later versions keep their
// basis: they are not new certificates.) A basis_ref that names no audit
// here is the CP's own reference, which the node cannot vouch for. The
// same holds of an equivalency (always recorded here:
// checkCertificateRefs): the administrator's acceptance results in one
// COR, not one per CP that asks. It reads where the write is ordered (l
// is the mutation's feed), so two certificates issued at once on one
// audit cannot both pass; the lookup is one index read.
func checkAuditFree(l feedReader, c registry.Certificate) error {
	key := basisKey(registry.Certificate{Basis: c.Basis, BasisRef: c.BasisRef})
	if len(key) == 0 {
		return nil
	}
	refs, err := l.Lookup(key[0].Name, c.BasisRef, false, 2)
	if err != nil {
		return err
	}
	for _, r := range refs {
		if r.Kind != registry.KindCertificate || r.ID == c.ID {
			continue
		}
		if c.Basis == registry.BasisEquivalency {
			return registry.Invalid("body.basis_ref", "equivalency %s is already the basis of certificate %s: an accepted equivalency results in one certificate", c.BasisRef, r.ID)
		}
		if _, ok, err := exists(l, registry.KindAudit, c.BasisRef); err != nil || !ok {
			return err
		}
		return registry.Invalid("body.basis_ref", "audit %s is already the basis of certificate %s: an audit issues one certificate (a renewal needs a new certifying audit)", c.BasisRef, r.ID)
	}
	return nil
}

// checkCPSector refuses a certifying partner a certificate sector outside
// the sectors the CP is registered for (field names the sector's field).
// A CP registered with no sectors is not restricted: its scope was not
// recorded, and refusing it every sector would stop it issuing. The
// program administrator may record any sector (the entry's by says who
// did). A sector matches one of the CP's by name, ignoring case, or, as
// an industry code, by falling under one of the CP's codes.
func (n *Node) checkCPSector(l feedReader, p Principal, issuer, sector, field string) error {
	if p.Role != RoleCP || sector == "" {
		return nil
	}
	ce, ok, err := exists(l, registry.KindCP, issuer)
	if err != nil || !ok {
		return err // an unknown issuer is checkCertificateRefs's problem
	}
	cp, err := n.decodeCP(ce)
	if err != nil {
		return err
	}
	if len(cp.Sectors) == 0 || slices.ContainsFunc(cp.Sectors, func(s string) bool {
		return strings.EqualFold(s, sector) || registry.IsIndustryCode(s) && registry.IsIndustryCode(sector) && strings.HasPrefix(sector, s)
	}) {
		return nil
	}
	return registry.Invalid(field, "certifying partner %s certifies %s, not %q; only the program administrator may record another sector", cp.ID, strings.Join(cp.Sectors, ", "), sector)
}

// CreateCertificate issues a certificate. The employer must be known to this
// node and the issuer must be an active CP of this node; a CP may issue only
// its own certificates.
func (n *Node) CreateCertificate(ctx context.Context, p Principal, in NewCertificate) (registry.Entry, error) {
	if err := p.require(ScopeCertificates); err != nil {
		return registry.Entry{}, err
	}
	if p.Role == RoleCP && in.Issuer != p.CP {
		return registry.Entry{}, fmt.Errorf("CP %s may not issue certificates for %s: %w", p.CP, in.Issuer, registry.ErrForbidden)
	}
	if err := n.applyAuditBasis(ctx, &in); err != nil { // audits.go
		return registry.Entry{}, err
	}
	c, err := n.newCertificate(in)
	if err != nil {
		return registry.Entry{}, err
	}
	var rules []equivalence.HostRulesFact
	if c.Basis == registry.BasisEquivalency {
		if rules, err = n.ownHostRules(ctx); err != nil {
			return registry.Entry{}, err
		}
	}
	return n.commit(ctx, registry.KindCertificate, c.ID, nil, func(l feedReader, prev *registry.Entry) (any, []registry.IndexKey, error) {
		if prev != nil {
			return nil, nil, registry.Conflict("certificate %s already exists", c.ID)
		}
		if err := registry.JoinInvalid(n.checkCertificateRefs(l, c, rules), n.checkCPSector(l, p, c.Issuer, c.Sector, "body.sector"), checkAuditFree(l, c),
			checkCertAccounts(l, c, nil)); err != nil {
			return nil, nil, err
		}
		return c, certKeys(c), nil
	})
}

// checkCertAccounts refuses c's WCB accounts that its employer's record
// (as l holds it) does not list in c's province, at body.wcb_accounts[i],
// every one at once; accounts in kept (the certificate's stored version's)
// are not checked again. Bulk match and the WCB search find an employer
// by a certificate's accounts: one the employer does not hold (a CP's
// certificate of another party's employer, a typo) would make its holder
// of any number. An employer that is not stored is checkCertificateRefs's
// problem.
func checkCertAccounts(l feedReader, c registry.Certificate, kept []string) error {
	if len(c.WCBAccounts) == 0 {
		return nil
	}
	e, ok, err := exists(l, registry.KindEmployer, c.EmployerBN)
	if err != nil || !ok {
		return err
	}
	emp, err := decode[registry.Employer](e)
	if err != nil {
		return err
	}
	var errs []error
	for _, i := range unlistedAccounts(c, kept, emp) {
		errs = append(errs, registry.Invalid(fmt.Sprintf("body.wcb_accounts[%d]", i), unlistedAccountFormat, c.EmployerBN, c.Jurisdiction, c.WCBAccounts[i]))
	}
	return registry.JoinInvalid(errs...)
}

// unlistedAccounts returns the indexes of c's WCB accounts that emp does
// not list in c's province (compared folded, registry.FoldWCB), leaving
// out those in kept and those malformed (Validate's problem).
func unlistedAccounts(c registry.Certificate, kept []string, emp registry.Employer) []int {
	var out []int
	for i, a := range c.WCBAccounts {
		k := registry.FoldWCB(a)
		if !registry.ValidWCBNumber(a) || slices.ContainsFunc(kept, func(b string) bool { return registry.FoldWCB(b) == k }) {
			continue
		}
		if _, ok := emp.AccountIn(k, c.Jurisdiction); !ok {
			out = append(out, i)
		}
	}
	return out
}

// unlistedAccountFormat says why c's i-th WCB account is refused.
// (unlistedAccountFormat of its employer's BN, its jurisdiction and the
// account).
const unlistedAccountFormat = "employer %s's record lists no %s WCB account %s: a certificate names only its employer's accounts in its province (add the account to the employer first)"

// newCertificate builds and validates the first version of a certificate.
// CheckNewCertificate reports what the record rules say of in alone
// (CreateCertificate's checks before it reads the store), every problem at
// once; the edge joins them to a body's schema errors.
func (n *Node) CheckNewCertificate(in NewCertificate) error {
	_, err := n.newCertificate(in)
	return err
}

func (n *Node) newCertificate(in NewCertificate) (registry.Certificate, error) {
	c := registry.Certificate{
		ID: registry.CertificateID(in.Issuer, in.Number), Jurisdiction: n.cfg.Jurisdiction, Issuer: in.Issuer,
		Number: in.Number, Program: in.Program, EmployerBN: in.EmployerBN, WCBAccounts: in.WCBAccounts,
		IndustryScope: in.IndustryScope, Sector: in.Sector, Basis: in.Basis, BasisRef: in.BasisRef,
		IssuedOn: in.IssuedOn, TermMonths: in.TermMonths, DocMonths: in.DocMonths, ExpiresOn: in.ExpiresOn,
		ProgramDefinition: in.ProgramDefinition,
	}
	if c.Basis == "" {
		c.Basis = registry.BasisAudit
	}
	if c.TermMonths == 0 {
		c.TermMonths = 36
	}
	if c.ExpiresOn.IsZero() && !c.IssuedOn.IsZero() {
		c.ExpiresOn = registry.ExpiryFor(c.IssuedOn, c.TermMonths)
	}
	var statusErr error
	switch in.Status {
	case "", registry.StatusActive:
		c.Status = registry.StatusActive
	case registry.StatusPending:
		c.Status = registry.StatusPending
	default:
		statusErr = registry.Invalid("body.status", "a new certificate is active or pending, not %q", in.Status)
		c.Status = registry.StatusActive // so that the history checks below report their own errors only
	}
	reason, reasonFR := in.Reason, ""
	if in.Reason == reasonImported {
		reasonFR = reasonImportedFR // corfed's words, not a person's
	}
	if reason == "" {
		reason, reasonFR = "certification audit passed", "audit de certification réussi"
		if c.Basis == registry.BasisEquivalency {
			reason, reasonFR = "ISO/CSA 45001 equivalency accepted", "équivalence ISO/CSA 45001 acceptée"
		}
	}
	c.History = []registry.StatusChange{{Status: c.Status, On: c.IssuedOn, Reason: reason, ReasonFR: reasonFR}}
	c.StatusReason = reason
	return c, registry.JoinInvalid(statusErr, c.Validate())
}

// checkCertificateRefs checks the records certificate c names: its
// employer, its issuer (an active CP, not lapsed on the issue date) and,
// for a certificate on an ISO/CSA equivalency, the equivalency: accepted,
// of the employer, in force on the issue date, accepted by this node's own
// rules (rules: its host rules versions, ownHostRules) in force on the
// issue date for the certificate's sector, as its recognition engine
// judges an equivalency (equivalence.EquivalencyUnderHostRules).
func (n *Node) checkCertificateRefs(l feedReader, c registry.Certificate, rules []equivalence.HostRulesFact) error {
	if _, ok, err := exists(l, registry.KindEmployer, c.EmployerBN); err != nil {
		return err
	} else if !ok {
		return registry.Invalid("body.employer_bn", "employer %s is not registered on this node (%s); register it first", c.EmployerBN, n.cfg.Jurisdiction)
	}
	ce, ok, err := exists(l, registry.KindCP, c.Issuer)
	if err != nil {
		return err
	}
	if !ok {
		return registry.Invalid("body.issuer", "%s is not a certifying partner of %s", c.Issuer, n.cfg.Jurisdiction)
	}
	cp, err := n.decodeCP(ce)
	if err != nil {
		return err
	}
	if cp.Status != registry.CPActive {
		return registry.Invalid("body.issuer", "certifying partner %s is %s, not active", c.Issuer, cp.Status)
	}
	if err := n.cpLapse(l, ce, cp, c.IssuedOn, c.IssuedOn, "body.issuer", "the certificate's issue date"); err != nil {
		return err
	}
	if c.Basis == registry.BasisEquivalency {
		qe, ok, err := exists(l, registry.KindEquivalency, c.BasisRef)
		if err != nil {
			return err
		}
		if !ok {
			return registry.Invalid("body.basis_ref", "no equivalency record %q on this node", c.BasisRef)
		}
		q, err := decode[registry.Equivalency](qe)
		if err != nil {
			return err
		}
		if q.EmployerBN != c.EmployerBN || q.Decision != registry.DecisionAccepted {
			return registry.Invalid("body.basis_ref", "equivalency %s is not an accepted equivalency of employer %s", c.BasisRef, c.EmployerBN)
		}
		// The certificate is issued on the equivalency as it stands on
		// its issue date: the ISO/CSA certification in force then (not
		// suspended, withdrawn or past valid_to). Once issued it is a
		// normal COR, maintained by proof that the certification is
		// maintained (lifecycle.go), not ended with the equivalency.
		if st := equivalencyStatusOn(q, c.IssuedOn); st != registry.EqvActive {
			return registry.Invalid("body.basis_ref", "equivalency %s is %s on %s, the certificate's issue date (valid %s to %s): a certificate rests on an equivalency in force",
				c.BasisRef, st, c.IssuedOn, q.ValidFrom, q.ValidTo)
		}
		if q.ResultingCertificate != "" && q.ResultingCertificate != c.ID {
			return registry.Invalid("body.basis_ref", "equivalency %s resulted in certificate %s, not %s", c.BasisRef, q.ResultingCertificate, c.ID)
		}
		// A COR of this province rests only on an equivalency this
		// province's own rules accept, for the certificate's sector, on
		// its issue date: the judgement its recognition engine makes of
		// the same record (BC accepts none; AB wants a designated body
		// and a scope covering the operations; ON the IAF mark).
		ef := equivalence.EquivalencyFact{Equivalency: q, Ref: qe.Ref()}
		if en, fr, ok := equivalence.EquivalencyUnderHostRules(n.cfg.Jurisdiction, ef, rules, c.Sector, c.IssuedOn); !ok {
			return registry.Invalid("body.basis_ref", "equivalency %s cannot be the basis of a COR of this province issued on %s (%s): %v",
				c.BasisRef, c.IssuedOn, en.Code, &registry.BilingualText{EN: en.Text, FR: fr.Text})
		}
	}
	return nil
}

// ownHostRules returns every version of this node's own host rules, for
// checkCertificateRefs: read before a commit (the commit's reader looks
// records up by id and key only). They are a few versions, whatever the
// registry's size; publishing one meanwhile is an administrator's rare act.
func (n *Node) ownHostRules(ctx context.Context) ([]equivalence.HostRulesFact, error) {
	var out []equivalence.HostRulesFact
	var decErr error
	err := n.db.View(ctx, func(tx registry.StoreTx) error {
		return tx.Log(SelfLog).Scan(registry.KindHostRules, func(e registry.Entry) bool {
			var v registry.HostRules
			if v, decErr = decode[registry.HostRules](e); decErr != nil {
				return false
			}
			out = append(out, equivalence.HostRulesFact{Rules: v, Ref: e.Ref()})
			return true
		})
	})
	if err == nil {
		err = decErr
	}
	return out, err
}

// equivalencyStatusOn returns q's status on d: "not_issued" before
// valid_from, "expired" after valid_to, else its history's (its status
// when it has none), as equivalence.EquivalencyStatusOn reads it.
func equivalencyStatusOn(q registry.Equivalency, d registry.Date) string {
	switch {
	case d.Before(q.ValidFrom):
		return "not_issued"
	case !q.ValidTo.IsZero() && d.After(q.ValidTo):
		return registry.EqvExpired
	case len(q.History) == 0:
		return cmpOr(q.Status, registry.EqvActive)
	}
	if st, ok := registry.StatusAt(q.History, d); ok {
		return st
	}
	return "not_issued"
}

// decodedCP is a CP record's JSON and its decoding.
type decodedCP struct {
	raw string
	cp  registry.CertifyingPartner
}

// decodeCP decodes a CP record, remembering the last one of each CP by its
// bytes: every certificate written reads its CP (an import: one CP for
// thousands of rows), and a record's bytes say all its decoding does,
// whether or not its entry is committed yet.
func (n *Node) decodeCP(e registry.Entry) (registry.CertifyingPartner, error) {
	if m, ok := n.cps.get(e.ID); ok && m.raw == string(e.Record) {
		return m.cp, nil
	}
	cp, err := decode[registry.CertifyingPartner](e)
	if err == nil {
		n.cps.put(e.ID, decodedCP{raw: string(e.Record), cp: cp})
	}
	return cp, err
}

// CertificateUpdate changes the descriptive fields of a certificate; status
// and dates change only through ChangeStatus or a new certificate.
type CertificateUpdate struct {
	WCBAccounts   []string
	IndustryScope []string
	Sector        string
}

// UpdateCertificate stores a new version with corrected descriptive fields.
func (n *Node) UpdateCertificate(ctx context.Context, p Principal, id string, u CertificateUpdate) (registry.Entry, error) {
	if err := p.require(ScopeCertificates); err != nil {
		return registry.Entry{}, err
	}
	return n.commitChange(ctx, registry.KindCertificate, id, func(l feedReader, prev *registry.Entry) (any, []registry.IndexKey, error) {
		c, err := n.ownCertificate(p, id, prev)
		if err != nil {
			return nil, nil, err
		}
		if err := cpMayLift(p, c); err != nil {
			return nil, nil, err
		}
		if u.Sector != c.Sector {
			if err := n.checkCPSector(l, p, c.Issuer, u.Sector, "body.sector"); err != nil {
				return nil, nil, err
			}
		}
		kept := c.WCBAccounts
		c.WCBAccounts, c.IndustryScope, c.Sector = u.WCBAccounts, u.IndustryScope, u.Sector
		if err := registry.JoinInvalid(c.Validate(), checkCertAccounts(l, c, kept)); err != nil {
			return nil, nil, err
		}
		return c, certKeys(c), nil
	})
}

// cpMayLift refuses a certifying partner any change (its status, its
// accounts, scope or sector) to a certificate that is suspended, revoked
// or cancelled unless the CP itself made that change: a CP cannot undo
// or work around the administrator (or a status of unknown origin, such
// as a seeded one).
func cpMayLift(p Principal, c registry.Certificate) error {
	if p.Role != RoleCP {
		return nil
	}
	switch c.Status {
	case registry.StatusSuspended, registry.StatusRevoked, registry.StatusCancelled:
	default:
		return nil
	}
	// Every change of the current run of suspensions, revocations and
	// cancellations must be the CP's own, not only the last: a change the
	// administrator recorded late (back-dated) sits before the CP's later
	// one in the history, and still binds the CP.
	for i := len(c.History) - 1; i >= 0; i-- {
		h := c.History[i]
		if h.Annulled != nil {
			continue
		}
		switch h.Status {
		case registry.StatusSuspended, registry.StatusRevoked, registry.StatusCancelled:
		default:
			return nil
		}
		if h.By == p.Subject && h.By != "" {
			continue
		}
		who := h.By
		if who == "" {
			who = "someone other than " + p.CP
		}
		return fmt.Errorf("certificate %s was made %s on %s by %s; only the program administrator can change it now: %w", c.ID, h.Status, h.On, who, registry.ErrForbidden)
	}
	return nil
}

// suspendedByAnother reports whether c is suspended by a change p did not
// make (the last effective one).
func suspendedByAnother(c registry.Certificate, p Principal) bool {
	if c.Status != registry.StatusSuspended {
		return false
	}
	for i := len(c.History) - 1; i >= 0; i-- {
		if h := c.History[i]; h.Annulled == nil {
			return h.By != p.Subject
		}
	}
	return false
}

// adminTransition is registry.Transition for the program administrator
// on a certificate someone else suspended: it may suspend it again, so
// that a CP's own suspension does not stand in the way of the
// administrator's (an Employer Review's), which the CP then cannot lift
// (cpMayLift). Suspending its own suspension again stays a conflict.
func adminTransition(from, action string) (string, error) {
	if from == registry.StatusSuspended && action == registry.ActionSuspend {
		return registry.StatusSuspended, nil
	}
	return registry.Transition(from, action)
}

// testHookAuthorityChecked, when a test sets it, runs after a CP's
// authority over an employer was checked in a snapshot and before the
// write is queued: where another write may land first.
var testHookAuthorityChecked func()

// employerGrant is why a certifying partner may change an employer, as
// one snapshot showed it: the employer did not exist, the CP registered it
// (the author of its first version, which never changes), or the CP holds
// a certificate in force for it that rests on an audit or equivalency
// recorded on this node; and no other CP holds a certificate in force for
// it. Writes are ordered after the snapshot, so the write checks again
// that the grant holds (holds).
type employerGrant struct {
	existed    bool
	registered bool     // the CP registered the employer
	certs      []string // the certificates in force that grant it; none when the CP registered the employer
}

// cpMayChangeEmployer refuses a certifying partner a change to an employer
// it may not change (cpMayChangeEmployerIn), and returns the grant its
// write checks again.
func (n *Node) cpMayChangeEmployer(ctx context.Context, p Principal, bn string) (g employerGrant, err error) {
	if p.Role != RoleCP {
		return g, nil
	}
	today := n.Today()
	err = n.View(ctx, func(s Snapshot) error {
		g, err = n.cpMayChangeEmployerIn(s.Self(), p, bn, today)
		return err
	})
	return g, err
}

// cpMayChangeEmployerIn is cpMayChangeEmployer's rule over the node's own
// log l as of one snapshot (PutEmployer, and an import's check of every
// row that would change a stored employer). A CP changes a stored
// employer
//   - that no other CP holds a certificate in force for (active or
//     suspended today, in any basis): an employer two CPs certify is the
//     program administrator's to change, since either CP's change (its
//     name, its accounts) is the other's certificates' too; and
//   - that it registered, or for which it holds a certificate in force
//     that rests on an audit or an equivalency recorded on this node. A
//     certificate with no such basis is one POST away for any active CP
//     (where require_audit_basis is off) and grants nothing; one pending
//     or cancelled grants nothing either.
//
// It reads the employer's certificates (one index lookup; an employer
// holds a few).
func (n *Node) cpMayChangeEmployerIn(l registry.Log, p Principal, bn string, today registry.Date) (employerGrant, error) {
	if p.Role != RoleCP {
		return employerGrant{}, nil
	}
	first, err := l.Version(registry.KindEmployer, bn, 1)
	if errors.Is(err, registry.ErrNotFound) {
		return employerGrant{}, nil
	}
	if err != nil {
		return employerGrant{}, err
	}
	g := employerGrant{existed: true, registered: registeredBy(first, p)}
	certs, err := g.judge(l, p, bn, today)
	if err != nil {
		return g, err
	}
	g.certs = certs
	return g, nil
}

// judge reads employer bn's certificates in l and refuses p a change to
// it that cpMayChangeEmployerIn's rule refuses; it returns the
// certificates that grant it (none when p registered the employer).
func (g employerGrant) judge(l feedReader, p Principal, bn string, today registry.Date) ([]string, error) {
	refs, err := l.Lookup("bn", bn, false, MaxLimit)
	if err != nil {
		return nil, err
	}
	var mine, others []string
	for _, r := range refs {
		if r.Kind != registry.KindCertificate {
			continue
		}
		e, err := l.Latest(r.Kind, r.ID)
		if err != nil {
			return nil, err
		}
		c, err := decode[registry.Certificate](e)
		if err != nil {
			return nil, err
		}
		if c.EmployerBN != bn || !inForce(c, today) {
			continue
		}
		if c.Issuer != p.CP {
			others = append(others, c.ID)
			continue
		}
		if g.registered {
			continue
		}
		if ok, err := restsOnRecord(l, c); err != nil {
			return nil, err
		} else if ok {
			mine = append(mine, c.ID)
		}
	}
	switch {
	case len(others) > 0:
		return nil, fmt.Errorf("employer %s is also certified by another CP (%s): an employer two CPs certify is the program administrator's to change: %w",
			bn, strings.Join(others, ", "), registry.ErrForbidden)
	case g.registered || len(mine) > 0:
		return mine, nil
	}
	return nil, fmt.Errorf("employer %s was registered by another party and CP %s holds no certificate in force for it that rests on an audit or equivalency recorded on this node: %w",
		bn, p.CP, registry.ErrForbidden)
}

// registeredBy reports whether p, a CP, registered the employer whose
// first version is first.
func registeredBy(first registry.Entry, p Principal) bool {
	by := first.By
	return by != nil && by.Role == RoleCP && by.CP == p.CP
}

// inForce reports whether c is in force today (active, or suspended and
// so still its CP's to maintain).
func inForce(c registry.Certificate, today registry.Date) bool {
	switch c.StatusOn(today) {
	case registry.StatusActive, registry.StatusSuspended:
		return true
	}
	return false
}

// restsOnRecord reports whether c names, as its basis, an audit or an
// equivalency recorded in l (the node checked it when c was issued:
// CheckAuditBasis, checkCertificateRefs).
func restsOnRecord(l feedReader, c registry.Certificate) (bool, error) {
	if c.BasisRef == "" {
		return false, nil
	}
	kind := registry.KindAudit
	if c.Basis == registry.BasisEquivalency {
		kind = registry.KindEquivalency
	} else if c.Basis != registry.BasisAudit {
		return false, nil
	}
	_, ok, err := exists(l, kind, c.BasisRef)
	return ok, err
}

// holds checks, where the write is ordered (l, with prev the employer's
// newest version), that g still lets p change employer bn: an employer
// that did not exist was since registered by p alone (an earlier row of
// the same import), no other CP has since come to hold a certificate in
// force for it, and a certificate that granted it is still in force.
func (g employerGrant) holds(l feedReader, p Principal, bn string, prev *registry.Entry, today registry.Date) error {
	if p.Role != RoleCP || prev == nil {
		return nil
	}
	if !g.existed {
		first, err := l.Version(registry.KindEmployer, bn, 1)
		if err != nil {
			return err
		}
		if !registeredBy(first, p) {
			return fmt.Errorf("employer %s was registered meanwhile by another party: %w", bn, registry.ErrForbidden)
		}
		g.registered = true
	}
	if _, err := g.judge(l, p, bn, today); err != nil {
		if errors.Is(err, registry.ErrForbidden) && len(g.certs) > 0 {
			return fmt.Errorf("the certificates that let CP %s change employer %s (%s) no longer do, as the write is ordered: %w", p.CP, bn, strings.Join(g.certs, ", "), err)
		}
		return err
	}
	return nil
}

func (n *Node) ownCertificate(p Principal, id string, prev *registry.Entry) (registry.Certificate, error) {
	if prev == nil {
		return registry.Certificate{}, fmt.Errorf("certificate %q: %w", id, registry.ErrNotFound)
	}
	c, err := decode[registry.Certificate](*prev)
	if err != nil {
		return c, err
	}
	if p.Role == RoleCP && c.Issuer != p.CP {
		return c, fmt.Errorf("certificate %s belongs to CP %s, not %s: %w", id, c.Issuer, p.CP, registry.ErrForbidden)
	}
	return c, nil
}

// StatusRequest asks for a status change.
type StatusRequest struct {
	Action       string
	Reason       string
	ReasonFR     string        // Reason in French, when corfed wrote it
	On           registry.Date // default: today in the node's jurisdiction
	SupersededBy string
}

// checkReason checks a status change's reason. It becomes the new
// history step's: checked here, a bad one is named as the request sent
// it, not as body.history[n].reason.
func (r StatusRequest) checkReason() error {
	if strings.TrimSpace(r.Reason) == "" {
		return registry.Invalid("body.reason", "a status change needs a reason")
	}
	return registry.CheckText("body.reason", r.Reason, 1, registry.MaxReasonLen)
}

// ChangeStatus records a status change (suspend, cancel, revoke, reinstate,
// expire, supersede, activate) as a new version of the certificate. Nothing
// is edited in place: the new version carries the whole history.
func (n *Node) ChangeStatus(ctx context.Context, p Principal, id string, r StatusRequest) (registry.Entry, error) {
	if err := p.require(ScopeCertificates); err != nil {
		return registry.Entry{}, err
	}
	today := n.Today()
	if r.On.IsZero() {
		r.On = today
	}
	errs := []error{r.checkReason()}
	if r.On.After(today) {
		// A change takes effect when it is recorded, for a CP and the
		// administrator alike, as a review step or a removal decision: one
		// dated ahead would read as the certificate's status from then,
		// and a lifecycle cancellation could not precede it.
		errs = append(errs, registry.Invalid("body.on", "%s is after today (%s): a status change is recorded once it takes effect", r.On, today))
	}
	if err := registry.JoinInvalid(errs...); err != nil {
		return registry.Entry{}, err
	}
	return n.commit(ctx, registry.KindCertificate, id, nil, func(l feedReader, prev *registry.Entry) (any, []registry.IndexKey, error) {
		c, err := n.ownCertificate(p, id, prev)
		if err != nil {
			return nil, nil, err
		}
		if err := cpMayLift(p, c); err != nil {
			return nil, nil, err
		}
		transition := registry.Transition
		if p.Role == RoleAdmin && suspendedByAnother(c, p) {
			transition = adminTransition
		}
		h, err := applyChange(c.History, c.Status, r, p, today, transition)
		if err != nil {
			return nil, nil, err
		}
		if r.Action == registry.ActionSupersede {
			if r.SupersededBy == "" || r.SupersededBy == id {
				return nil, nil, registry.Invalid("body.superseded_by", "name the certificate that supersedes %s", id)
			}
			se, ok, err := exists(l, registry.KindCertificate, r.SupersededBy)
			if err != nil {
				return nil, nil, err
			} else if !ok {
				return nil, nil, registry.Invalid("body.superseded_by", "no certificate %q on this node", r.SupersededBy)
			}
			// The successor is the same employer's, and a CP names one of
			// its own: a supersede frees the audit this certificate rests
			// on and its history names the successor.
			succ, err := decode[registry.Certificate](se)
			if err != nil {
				return nil, nil, err
			}
			if succ.EmployerBN != c.EmployerBN {
				return nil, nil, registry.Invalid("body.superseded_by", "certificate %s is employer %s's, not %s's", succ.ID, succ.EmployerBN, c.EmployerBN)
			}
			if p.Role == RoleCP && succ.Issuer != p.CP {
				return nil, nil, registry.Invalid("body.superseded_by", "certificate %s was issued by %s; a CP names one of its own (the program administrator may name another CP's)", succ.ID, succ.Issuer)
			}
			// The CP, paid by the employer, does not decide that a removal
			// awaiting the administrator, or a review under way, never
			// takes effect: superseded, the certificate could no longer be
			// suspended or revoked. The administrator may still.
			if p.Role == RoleCP {
				if rm, err := pendingRemoval(l, id); err != nil {
					return nil, nil, err
				} else if rm != "" {
					return nil, nil, registry.Invalid("body.action", "certificate %s awaits the program administrator's decision on removal proposal %s; only the administrator may supersede it now", id, rm)
				}
				if rv, ok, err := openReview(l, id); err != nil {
					return nil, nil, err
				} else if ok {
					return nil, nil, registry.Invalid("body.action", "certificate %s is under Employer Review %s, open since %s; only the program administrator may supersede it before the review closes", id, rv.ID, rv.OpenedOn)
				}
			}
		} else if r.SupersededBy != "" {
			return nil, nil, registry.Invalid("body.superseded_by", "only with action supersede")
		}
		was := c.Status
		c.History, c.Status = h, registry.LastEffective(h)
		for i := len(h) - 1; i >= 0; i-- {
			if h[i].Annulled == nil {
				c.StatusReason = h[i].Reason
				break
			}
		}
		if err := c.Validate(); err != nil {
			return nil, nil, err
		}
		if was == registry.StatusSuperseded && c.Status != registry.StatusSuperseded {
			// Superseded, it gave its audit up (basisKey); back in force
			// (a supersede annulled), it takes it again only if no other
			// certificate took it since.
			if err := checkAuditFree(l, c); err != nil {
				return nil, nil, registry.Conflict("%s; %s cannot come back while that certificate holds it", reasonOf(err), id)
			}
		}
		return c, certKeys(c), nil
	})
}

// EquivalencyID is the id of an employer's equivalency record for an
// external certificate number.
func EquivalencyID(bn, externalNumber string) string { return "EQ-" + bn + "-" + externalNumber }

// PutEquivalency creates (create=true) or updates an equivalency record. The
// employer must be known to this node.
func (n *Node) PutEquivalency(ctx context.Context, p Principal, q registry.Equivalency, create bool) (registry.Entry, error) {
	if err := n.requireAdmin(p, ScopeEquivalencies, "records equivalencies"); err != nil {
		return registry.Entry{}, err
	}
	if q.Decision == "" {
		q.Decision = registry.DecisionPending
	}
	if q.Status == "" {
		q.Status = "active"
	}
	if err := q.Validate(); err != nil {
		return registry.Entry{}, n.omittedToo(ctx, registry.KindEquivalency, q.ID, err)
	}
	today := n.Today()
	want := EquivalencyID(q.EmployerBN, q.ExternalNumber)
	if q.ID == "" {
		q.ID = want
	} else if q.ID != want {
		return registry.Entry{}, registry.Invalid("body.id", "must be %q", want)
	}
	if err := n.checkScopeAccepted(ctx, q, today); err != nil {
		return registry.Entry{}, err
	}
	return n.commit(ctx, registry.KindEquivalency, q.ID, nil, func(l feedReader, prev *registry.Entry) (any, []registry.IndexKey, error) {
		if create && prev != nil {
			return nil, nil, registry.Conflict("equivalency %s already exists", q.ID)
		}
		if !create && prev == nil {
			return nil, nil, fmt.Errorf("equivalency %q: %w", q.ID, registry.ErrNotFound)
		}
		q := q
		if prev != nil {
			old, err := decode[registry.Equivalency](*prev)
			if err != nil {
				return nil, nil, err
			}
			if len(old.History) > 0 || old.Status != q.Status {
				if old.Status != q.Status {
					return nil, nil, registry.Invalid("body.status", "the status changes with PATCH /v1/equivalencies/%s, which dates the change (is %s)", q.ID, old.Status)
				}
				q.History = old.History
			}
		} else if q.Status != registry.EqvActive || len(q.History) == 0 {
			q.History = []registry.StatusChange{{Status: q.Status, On: q.ValidFrom, Reason: "recorded", ReasonFR: "enregistrée", RecordedOn: today}}
		}
		if _, ok, err := exists(l, registry.KindEmployer, q.EmployerBN); err != nil {
			return nil, nil, err
		} else if !ok {
			return nil, nil, registry.Invalid("body.employer_bn", "employer %s is not registered on this node", q.EmployerBN)
		}
		return q, []registry.IndexKey{{Name: "bn", Value: q.EmployerBN}}, nil
	})
}

// checkScopeAccepted refuses, at body.scope_aligned, an equivalency
// accepted although its certification's scope does not cover the
// employer's operations, where this node's rules in force on today
// require it (scope_must_cover_operations, AB) for its industry codes'
// sector (every sector when it lists none): such a record can back
// neither a recognition nor a COR here (checkCertificateRefs).
func (n *Node) checkScopeAccepted(ctx context.Context, q registry.Equivalency, today registry.Date) error {
	if q.Decision != registry.DecisionAccepted || q.ScopeAligned {
		return nil
	}
	rules, err := n.ownHostRules(ctx)
	if err != nil {
		return err
	}
	sectors := q.IndustryCodes
	if len(sectors) == 0 {
		sectors = []string{""}
	}
	for _, s := range sectors {
		if rule, id := equivalence.HostRuleFor(n.cfg.Jurisdiction, rules, s, today); rule != nil && rule.Accepted && rule.ScopeMustCoverOperations {
			return registry.Invalid("body.scope_aligned", "%s's rules %s accept an ISO/CSA certification only when its scope covers all the employer's operations (scope_must_cover_operations): an equivalency with scope_aligned false cannot be accepted",
				n.cfg.Jurisdiction, id)
		}
	}
	return nil
}

// IndexKeys returns the secondary index keys of an entry's record, the
// ones the node stores for its own feed. Replicas of peers' feeds are
// indexed alike, less the keys only the own feed is read by
// (replicaKeys), so that cross-jurisdiction search reads them the same way.
func IndexKeys(e registry.Entry) ([]registry.IndexKey, error) {
	switch e.Kind {
	case registry.KindEmployer:
		v, err := decode[registry.Employer](e)
		if err != nil {
			return nil, err
		}
		return employerKeys(v), nil
	case registry.KindCertificate:
		v, err := decode[registry.Certificate](e)
		if err != nil {
			return nil, err
		}
		return certKeys(v), nil
	case registry.KindEquivalency:
		v, err := decode[registry.Equivalency](e)
		if err != nil {
			return nil, err
		}
		return []registry.IndexKey{{Name: "bn", Value: v.EmployerBN}}, nil
	case registry.KindLetter:
		v, err := decode[registry.Letter](e)
		if err != nil {
			return nil, err
		}
		return letterKeys(v), nil
	case registry.KindLetterRequest:
		v, err := decode[registry.LetterRequest](e)
		if err != nil {
			return nil, err
		}
		return []registry.IndexKey{{Name: "bn", Value: v.EmployerBN}}, nil
	}
	return programIndexKeys(e) // audits.go
}
