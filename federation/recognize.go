package federation

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/corfed/corfed/equivalence"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/logproof"
	"github.com/corfed/corfed/registry/node"
)

// Lookups answers cross-jurisdiction questions from the node's own records
// and the verified replicas of its peers. Safe for concurrent use.
type Lookups struct {
	fed *Federation

	mu    sync.Mutex
	rules *ruleCache // rebuilt when any log grows
	// proofs memoises inclusion proofs by log, tree size and seq.
	proofs map[proofKey]cachedInclusion
	// selfCP is the last own checkpoint attachLogs used, signed by the
	// key selfKID (see selfCheckpoint).
	selfCP  logproof.Signed
	selfKID string
	// sigOK memoises party-signature checks: (party, jws, payload hash) -> ok.
	sigOK map[sigKey]bool
	// fresh is the last freshness report, made at freshAt.
	fresh   []Freshness
	freshAt time.Time

	// catchingUp holds one token while an on-demand sync runs (catchUp in
	// program.go); caughtUp, guarded by it, is when the last one began
	// (wall clock). A channel, so a caller gives up waiting with its ctx.
	catchingUp chan struct{}
	caughtUp   time.Time
}

// sigKey is what a party-signature check depends on: the party (its
// keys), the signature, and the terms it must cover. A signature valid
// over one agreement's terms must not count for another's that copies it.
type sigKey struct {
	party   registry.Jurisdiction
	jws     string
	payload [sha256.Size]byte
}

// NewLookups returns the lookups over f.
func NewLookups(f *Federation) *Lookups {
	return &Lookups{fed: f, sigOK: map[sigKey]bool{}, proofs: map[proofKey]cachedInclusion{}, catchingUp: make(chan struct{}, 1)}
}

// Federation returns the federation the lookups read.
func (l *Lookups) Federation() *Federation { return l.fed }

// source is one log the lookups read: the node's own feed or a replica.
type source struct {
	iss registry.Jurisdiction
	log string
}

func (l *Lookups) sources() []source {
	self := l.fed.Node().Jurisdiction()
	out := []source{{self, node.SelfLog}}
	for _, j := range l.fed.Members() {
		if j != self {
			out = append(out, source{j, ReplicaLog(j)})
		}
	}
	return out
}

// ruleCache holds the decoded rule records of every source, with the party
// signatures of each agreement already verified.
type ruleCache struct {
	sizes      []uint64
	agreements []agreementGroup
	hostRules  []equivalence.HostRulesFact
	hostJWS    map[registry.Ref]string
}

// agreementGroup is one agreement's terms as published, identical byte for
// byte, by one or more parties, with the union of the party signatures that
// verified against each party's pinned key.
type agreementGroup struct {
	fact     equivalence.AgreementFact // Ref: the copy chosen as evidence
	jws      string                    // that copy's entry JWS
	partySig map[registry.Jurisdiction]string
	party    map[registry.Jurisdiction]partyCopy // each party's own copy, when it published one
}

// logOf returns the log of src in the snapshot s.
func (l *Lookups) logOf(s node.Snapshot, src source) registry.Log {
	return l.fed.Node().LogOf(s, src.iss)
}

// ruleSet returns the rule records of every source in snapshot sn, decoded
// and with party signatures checked; it is rebuilt only when a log grew.
func (l *Lookups) ruleSet(sn node.Snapshot, srcs []source) (*ruleCache, error) {
	sizes := make([]uint64, len(srcs))
	for i, s := range srcs {
		sizes[i] = l.logOf(sn, s).Size()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.rules != nil && slices.Equal(l.rules.sizes, sizes) {
		return l.rules, nil
	}
	rc := &ruleCache{sizes: sizes, hostJWS: map[registry.Ref]string{}}
	var hosts equivalence.Facts
	var copies []agreementCopy
	for _, s := range srcs {
		lg := l.logOf(sn, s)
		var ferr error
		err := lg.Scan(registry.KindHostRules, func(e registry.Entry) bool {
			var added bool
			if added, ferr = addFact(&hosts, e); ferr != nil {
				return false
			}
			if added {
				rc.hostJWS[e.Ref()] = e.JWS
			}
			return true
		})
		if err == nil {
			err = ferr
		}
		if err != nil {
			return nil, fmt.Errorf("%s host rules: %w", s.log, err)
		}
		err = lg.Scan(registry.KindAgreement, func(e registry.Entry) bool {
			var c agreementCopy
			if c, ferr = decodeAgreement(e); ferr != nil {
				return false
			}
			copies = append(copies, c)
			return true
		})
		if err == nil {
			err = ferr
		}
		if err != nil {
			return nil, fmt.Errorf("%s agreements: %w", s.log, err)
		}
	}
	rc.hostRules = hosts.HostRules
	rc.agreements = groupAgreements(copies, l.partySigned, nil)
	l.rules = rc
	return rc, nil
}

// partySigned verifies one party's signature over an agreement's terms
// against that party's pinned keys (the node's own for itself). Results are
// memoised: the same signature is checked once. Caller holds l.mu.
func (l *Lookups) partySigned(party registry.Jurisdiction, jws string, payload []byte) bool {
	k := sigKey{party, jws, sha256.Sum256(payload)}
	if ok, seen := l.sigOK[k]; seen {
		return ok
	}
	keys, ok := l.fed.KeySet(party)
	good := ok && partySignatureOK(keys, jws, payload)
	l.sigOK[k] = good
	return good
}

// partySignatureOK reports whether jws (attached) is a party's signature,
// under its keys ks, over an agreement's canonical terms payload.
func partySignatureOK(ks *jose.KeySet, jws string, payload []byte) bool {
	v, err := ks.Verify([]byte(jws))
	return err == nil && v.Typ == node.AgreementType && bytes.Equal(v.Payload, payload)
}

// addFact adds the record of the verified entry e (its signature checked
// against its issuer e.Iss) to f, and reports whether it did: an
// employer, an equivalency, host rules, a certificate only when its
// jurisdiction is e.Iss, a letter only when its host is e.Iss; other
// kinds (and agreements: see groupAgreements) are not added. It is the
// one way from entries to facts, for the answering node (collect,
// ruleSet) and for whoever checks a proof offline (rederive), so that the
// two cannot read the same records differently.
func addFact(f *equivalence.Facts, e registry.Entry) (bool, error) {
	switch e.Kind {
	case registry.KindEmployer:
		var v registry.Employer
		if err := registry.DecodeRecord(e.Record, &v); err != nil {
			return false, err
		}
		f.Employers = append(f.Employers, equivalence.EmployerFact{Employer: v, Ref: e.Ref()})
	case registry.KindCertificate:
		var v registry.Certificate
		if err := registry.DecodeRecord(e.Record, &v); err != nil {
			return false, err
		}
		if v.Jurisdiction != e.Iss {
			return false, nil
		}
		f.Certificates = append(f.Certificates, equivalence.CertificateFact{Certificate: v, Ref: e.Ref()})
	case registry.KindEquivalency:
		var v registry.Equivalency
		if err := registry.DecodeRecord(e.Record, &v); err != nil {
			return false, err
		}
		f.Equivalencies = append(f.Equivalencies, equivalence.EquivalencyFact{Equivalency: v, Ref: e.Ref()})
	case registry.KindLetter:
		var v registry.Letter
		if err := registry.DecodeRecord(e.Record, &v); err != nil {
			return false, err
		}
		if v.Host != e.Iss {
			return false, nil
		}
		f.Letters = append(f.Letters, equivalence.LetterFact{Letter: v, Ref: e.Ref()})
	case registry.KindHostRules:
		var v registry.HostRules
		if err := registry.DecodeRecord(e.Record, &v); err != nil {
			return false, err
		}
		f.HostRules = append(f.HostRules, equivalence.HostRulesFact{Rules: v, Ref: e.Ref()})
	default:
		return false, nil
	}
	return true, nil
}

// agreementCopy is one published copy of an agreement, decoded.
type agreementCopy struct {
	e registry.Entry
	a registry.Agreement
}

func decodeAgreement(e registry.Entry) (agreementCopy, error) {
	c := agreementCopy{e: e}
	return c, json.Unmarshal(e.Record, &c.a)
}

// groupAgreements groups copies (in the order given) by terms, identical
// byte for byte, into the agreement facts the answering node decides
// with and an offline check of a proof re-derives with: the union of the
// party signatures that signed (party, attached jws, canonical terms)
// says verify, from every copy and from extra (a proof's detached
// signatures), the withdrawals each party's own copy says, and the
// evidence copy, the first one a party published.
func groupAgreements(copies []agreementCopy, signed func(registry.Jurisdiction, string, []byte) bool, extra []PartySignature) []agreementGroup {
	groups := map[string][]agreementCopy{} // by terms id + canonical payload
	var order []string
	for _, c := range copies {
		p, err := c.a.Terms.SigningPayload()
		if err != nil {
			continue // ruleSet's decode accepted it; SigningPayload of decoded terms does not fail
		}
		k := c.a.Terms.ID + "\x00" + string(p)
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], c)
	}
	out := make([]agreementGroup, 0, len(order))
	for _, k := range order {
		copies := groups[k]
		terms := copies[0].a.Terms
		payload, _ := terms.SigningPayload()
		g := agreementGroup{partySig: map[registry.Jurisdiction]string{}}
		for _, c := range copies {
			g.noteCopy(c.e, c.a)
			for _, s := range c.a.Signatures {
				party := registry.Jurisdiction(s.Party)
				if _, done := g.partySig[party]; done || !terms.HasParty(party) {
					continue
				}
				if signed(party, s.JWS, payload) {
					g.partySig[party] = s.JWS
				}
			}
		}
		for _, s := range extra {
			if _, done := g.partySig[s.Party]; done || s.Agreement != terms.ID || !terms.HasParty(s.Party) {
				continue
			}
			if jws := attach(s.JWS, payload); signed(s.Party, jws, payload) {
				g.partySig[s.Party] = jws
			}
		}
		// The evidence copy: the first one published by a party.
		pick := copies[0]
		for _, c := range copies {
			if terms.HasParty(c.e.Iss) {
				pick = c
				break
			}
		}
		signedBy := make([]registry.Jurisdiction, 0, len(g.partySig))
		for _, p := range terms.Parties {
			if _, ok := g.partySig[p]; ok {
				signedBy = append(signedBy, p)
			}
		}
		g.fact = equivalence.AgreementFact{Agreement: registry.Agreement{Terms: terms, Signatures: pick.a.Signatures}, SignedBy: signedBy, Ref: pick.e.Ref()}
		g.fact.Withdrawals = g.withdrawals()
		g.jws = pick.e.JWS
		out = append(out, g)
	}
	return out
}

// Evidence is one signed record a decision rests on, with its entry JWS
// and, in recognition answers and proofs, the proof that the entry is in
// its issuer's log.
type Evidence struct {
	registry.Ref
	JWS string        `json:"jws"`
	Log *LogInclusion `json:"log,omitempty" doc:"Where the entry is in its issuer's log: a checkpoint the issuer signed and the inclusion proof against it."`
}

// PartySignature is a party's signature over an agreement's terms, carried
// in a proof so that anyone can check that every party signed. In a proof
// the JWS is detached (RFC 7515 Appendix F: "header..signature"): its
// payload is the canonical terms of the agreement evidence the proof also
// carries, re-attached by whoever checks it.
type PartySignature struct {
	Agreement string                `json:"agreement"`
	Party     registry.Jurisdiction `json:"party"`
	JWS       string                `json:"jws"`
}

// detach removes the payload of a compact JWS.
func detach(jws string) string {
	i, j := strings.IndexByte(jws, '.'), strings.LastIndexByte(jws, '.')
	if i < 0 || j <= i {
		return jws
	}
	return jws[:i+1] + jws[j:]
}

// attach puts payload back into a detached compact JWS; a JWS that carries
// a payload is returned as it is (the verifier then compares payloads).
func attach(jws string, payload []byte) string {
	parts := strings.Split(jws, ".")
	if len(parts) != 3 || parts[1] != "" {
		return jws
	}
	return parts[0] + "." + base64.RawURLEncoding.EncodeToString(payload) + "." + parts[2]
}

// Freshness says how current the answer's data from one member is.
type Freshness struct {
	Jurisdiction registry.Jurisdiction `json:"jurisdiction"`
	Self         bool                  `json:"self,omitempty"`
	Seq          uint64                `json:"seq" doc:"Entries of this member the answer read."`
	PeerSize     uint64                `json:"peer_size,omitempty" doc:"The member's feed size when last synced."`
	LastSuccess  time.Time             `json:"last_success,omitzero"`
	AgeSeconds   int64                 `json:"age_seconds" doc:"Seconds since the last successful sync (0 for self)."`
	LastError    string                `json:"last_error,omitempty"`
}

// Answer is a recognition decision with its evidence and proof.
type Answer struct {
	Question  QuestionJSON         `json:"question"`
	Decision  equivalence.Decision `json:"decision"`
	Evidence  []Evidence           `json:"evidence"`
	Parties   []PartySignature     `json:"party_signatures,omitempty"`
	Freshness []Freshness          `json:"freshness"`
	History   []Evidence           `json:"history,omitempty" doc:"For a question about a past date: every version of each employer record the answer cites (employer, certificate, equivalency) signed by the end of that date in the host's time zone, latest first, each with its inclusion proof."`
	Proof     string               `json:"proof" doc:"A JWT signed by the answering node holding the question, decision, evidence and history; check it offline with corfed verify."`

	wire []byte // the answer's JSON, made with its proof (signAndEncode)
}

// JSON returns the answer as it goes on the wire: the JSON of its members,
// encoded once with its proof, ending in a newline. Only answers made by
// Recognize have one; else nil.
func (a *Answer) JSON() []byte { return a.wire }

// QuestionJSON is a question as answers and proofs carry it.
type QuestionJSON struct {
	BN     string                `json:"bn"`
	Host   registry.Jurisdiction `json:"host"`
	Sector string                `json:"sector,omitempty"`
	On     registry.Date         `json:"on"`
	Use    string                `json:"use"`
	// Lang is the language of the decision's sentences, when not English.
	Lang equivalence.Lang `json:"lang,omitempty" enum:"en,fr"`
}

// Recognize decides q from every verified source and signs a proof of the
// decision. A zero q.On means today in the host's zone. The whole answer
// (facts, history, inclusion proofs, the own checkpoint, freshness) is read
// from one snapshot of the store, and costs O(log n) in the entries held.
func (l *Lookups) Recognize(ctx context.Context, q equivalence.Question) (a Answer, err error) {
	err = l.fed.Node().View(ctx, func(s node.Snapshot) error {
		a, err = l.recognize(ctx, s, q)
		return err
	})
	return a, err
}

func (l *Lookups) recognize(ctx context.Context, sn node.Snapshot, q equivalence.Question) (Answer, error) {
	n := l.fed.Node()
	now := n.Now()
	if q.On.IsZero() && q.Host.Valid() {
		q.On = node.TodayIn(q.Host, now)
	}
	if err := q.Validate(); err != nil {
		return Answer{}, err
	}
	var (
		facts    equivalence.Facts
		evidence = map[registry.Ref]string{}
	)
	srcs := l.sources()
	rc, err := l.ruleSet(sn, srcs)
	if err != nil {
		return Answer{}, err
	}
	for _, s := range srcs {
		if err := collect(l.logOf(sn, s), s.iss, q.BN, &facts, evidence); err != nil {
			return Answer{}, fmt.Errorf("%s: %w", s.log, err)
		}
	}
	facts.HostRules = rc.hostRules
	facts.Agreements = make([]equivalence.AgreementFact, len(rc.agreements))
	for i := range rc.agreements {
		facts.Agreements[i] = rc.agreements[i].fact
	}
	d := equivalence.Decide(q, facts)
	today := node.TodayIn(q.Host, now)
	if q.On.After(today) {
		// Decided from today's records: a projection, whose proof expires
		// within a day (proofExpiry).
		d.Reasons = append(d.Reasons, equivalence.Projection(q, today))
	}
	a := Answer{Question: QuestionJSON{BN: q.BN, Host: q.Host, Sector: q.Sector, On: q.On, Use: q.Use, Lang: q.Lang}, Decision: d}
	if q.Lang == equivalence.English {
		a.Question.Lang = "" // the default, as before languages existed
	}
	// The proof carries the records the outcome rests on and every record a
	// reason cites, so that a refusal is as checkable as a recognition.
	cited := slices.Clone(d.Evidence)
	for _, r := range d.Reasons {
		for _, ref := range r.Refs {
			if !slices.Contains(cited, ref) {
				cited = append(cited, ref)
			}
		}
	}
	var withdrawals []Evidence
	for _, ref := range cited {
		jws, ok := evidence[ref]
		if !ok {
			jws, ok = rc.hostJWS[ref]
		}
		if !ok {
			for _, g := range rc.agreements {
				if g.fact.Ref == ref {
					jws, ok = g.jws, true
					// Every party signature the node holds, for an agreement
					// a reason cites as for one the decision rests on: the
					// verifier re-derives the reasons too (a refusal's
					// program_not_in_agreement rather than agreement_unsigned).
					for _, p := range g.fact.SignedBy {
						a.Parties = append(a.Parties, PartySignature{Agreement: g.fact.Agreement.Terms.ID, Party: p, JWS: detach(g.partySig[p])})
					}
					withdrawals = append(withdrawals, g.withdrawingCopies()...)
					break
				}
			}
		}
		if !ok && slices.Contains(d.Evidence, ref) {
			return Answer{}, fmt.Errorf("decision rests on %v, which no source holds", ref)
		}
		if !ok {
			continue // a reason cites a record no source carries a JWS for
		}
		a.Evidence = append(a.Evidence, Evidence{Ref: ref, JWS: jws})
	}
	// A party's withdrawal is read from its own copy of the agreement: the
	// proof carries the copies that withdraw from an agreement it cites, so
	// that the decision can be re-derived from it (VerifyProof).
	for _, w := range withdrawals {
		if !slices.ContainsFunc(a.Evidence, func(e Evidence) bool { return e.Ref == w.Ref }) {
			a.Evidence = append(a.Evidence, w)
		}
	}
	if q.On.Before(today) {
		if a.History, err = l.history(sn, q, a.Evidence); err != nil {
			return Answer{}, err
		}
	}
	if err := l.attachLogs(sn, a.Evidence, a.History); err != nil {
		return Answer{}, err
	}
	if a.Freshness, err = l.freshness(ctx, sn.Self().Size()); err != nil {
		return Answer{}, err
	}
	if err := l.signAndEncode(&a, now); err != nil {
		return Answer{}, err
	}
	return a, nil
}

// collect adds the records of employer bn held in log lg of issuer iss to
// f (addFact: a certificate counts only when its jurisdiction is iss, a
// letter when its host is), and their JWS to ev.
func collect(lg registry.Log, iss registry.Jurisdiction, bn string, f *equivalence.Facts, ev map[registry.Ref]string) error {
	refs, err := lg.Lookup("bn", bn, false, 10*node.MaxLimit)
	if err != nil {
		return err
	}
	for _, r := range refs {
		e, err := lg.Latest(r.Kind, r.ID)
		if errors.Is(err, registry.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		if e.Iss != iss || e.Kind != registry.KindEmployer && e.Kind != registry.KindCertificate && e.Kind != registry.KindEquivalency && e.Kind != registry.KindLetter {
			continue // every entry of a log is its issuer's (the node's, or verified as the peer's)
		}
		added, err := addFact(f, e)
		if err != nil {
			return err
		}
		if added {
			ev[e.Ref()] = e.JWS
		}
	}
	return nil
}

// Stale reports whether what an answer read of this member's log may be
// out of date: never synced, the last sync failed, or the last successful
// one is older than after (Federation.StaleAfter). The node's own log is
// never stale.
func (f Freshness) Stale(after time.Duration) bool {
	if f.Self {
		return false
	}
	return f.LastSuccess.IsZero() || f.LastError != "" || f.AgeSeconds < 0 || olderThan(f.AgeSeconds, after)
}

// olderThan reports whether an age of secs seconds is more than d. It
// compares seconds: a signed age_seconds beyond 9223372036 made into a
// time.Duration wraps around, to a negative age or a much smaller one, and
// would read as fresh.
func olderThan(secs int64, d time.Duration) bool { return secs > int64(d/time.Second) }

// StaleAfter is how old a copy of a member's log may be before what rests
// on it is not confirmed: ten sync intervals, at least five minutes. A
// recognition whose evidence comes from a member whose copy is stale is
// signed with a refusal's expiry (24 h), and the site says "not confirmed".
func (f *Federation) StaleAfter() time.Duration { return max(leastStaleAfter, 10*f.cfg.Interval) }

// restsOnStale reports whether a record d rests on comes from a member
// whose copy fs (the answer's freshness) says is stale.
func (l *Lookups) restsOnStale(d *equivalence.Decision, fs []Freshness) bool {
	after := l.fed.StaleAfter()
	for _, ref := range d.Evidence {
		for i := range fs {
			if fs[i].Jurisdiction == ref.Iss && fs[i].Stale(after) {
				return true
			}
		}
	}
	return false
}

// freshnessTTL bounds how long a freshness report is reused: ages are
// reported in whole seconds, so rebuilding it from every peer's stored
// status on each answer would only repeat the same figures.
const freshnessTTL = time.Second

// freshness returns the freshness report, the own feed's entry saying
// selfSize (the size of the snapshot the answer read).
func (l *Lookups) freshness(ctx context.Context, selfSize uint64) ([]Freshness, error) {
	out, err := l.peerFreshness(ctx)
	if err != nil {
		return nil, err
	}
	out[0].Seq, out[0].PeerSize = selfSize, selfSize
	return out, nil
}

// Freshness reports how fresh the node's copy of each member's log is
// (the node itself first), as recognition answers carry it; rebuilt at
// most once per freshnessTTL.
func (l *Lookups) Freshness(ctx context.Context) ([]Freshness, error) { return l.peerFreshness(ctx) }

// peerFreshness is the freshness report, rebuilt at most once per
// freshnessTTL; its first element is the node itself.
func (l *Lookups) peerFreshness(ctx context.Context) ([]Freshness, error) {
	now := l.fed.Node().Now()
	l.mu.Lock()
	if l.fresh != nil && now.Sub(l.freshAt) < freshnessTTL && !now.Before(l.freshAt) {
		out := slices.Clone(l.fresh)
		l.mu.Unlock()
		return out, nil
	}
	l.mu.Unlock()
	out, err := l.buildFreshness(ctx)
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	l.fresh, l.freshAt = slices.Clone(out), now
	l.mu.Unlock()
	return out, nil
}

func (l *Lookups) buildFreshness(ctx context.Context) ([]Freshness, error) {
	n := l.fed.Node()
	out := []Freshness{{Jurisdiction: n.Jurisdiction(), Self: true, LastSuccess: n.Now()}}
	peers, err := l.fed.Peers(ctx)
	if err != nil {
		return nil, err
	}
	now := n.Now()
	for _, p := range peers {
		fr := Freshness{Jurisdiction: p.Jurisdiction, Seq: p.Seq, PeerSize: p.PeerSize, LastSuccess: p.LastSuccess, LastError: p.LastError, AgeSeconds: -1}
		if !p.LastSuccess.IsZero() {
			fr.AgeSeconds = int64(now.Sub(p.LastSuccess) / time.Second)
		}
		out = append(out, fr)
	}
	return out, nil
}

// RuleInForce is a rule record in force on a date, with its evidence. Its
// wire carries both "kind" (of the evidence's Ref) and "rule_kind", the
// same value: RuleKind is not named Kind, which would shadow Ref.Kind for
// the schema (huma drops a shadowed embedded field, encoding/json does
// not, as their JSON names differ).
type RuleInForce struct {
	Evidence
	RuleKind  registry.Kind            `json:"rule_kind" doc:"host_rules or agreement: the same value as kind."`
	HostRules *registry.HostRules      `json:"host_rules,omitempty"`
	Agreement *registry.AgreementTerms `json:"agreement,omitempty"`
	SignedBy  []registry.Jurisdiction  `json:"signed_by,omitempty"`
	Unsigned  []registry.Jurisdiction  `json:"unsigned_by,omitempty" doc:"Parties whose signature is missing or does not verify: the agreement does not count until every party signed."`
	// WithdrawnOn: the first party to withdraw did from this date.
	WithdrawnOn registry.Date         `json:"withdrawn_on,omitzero" doc:"The first party to withdraw (withdrawn_by) did from this date: from then the agreement no longer counts between it and the other parties; between the others it goes on."`
	WithdrawnBy registry.Jurisdiction `json:"withdrawn_by,omitempty"`
}

// RulesOn lists the host rules and agreements in force on d, from every
// verified source.
func (l *Lookups) RulesOn(ctx context.Context, d registry.Date) ([]RuleInForce, error) {
	var rc *ruleCache
	srcs := l.sources()
	err := l.fed.Node().View(ctx, func(s node.Snapshot) error {
		var err error
		rc, err = l.ruleSet(s, srcs)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := []RuleInForce{}
	for _, h := range rc.hostRules {
		if !h.Rules.InForce(d) || h.Ref.Iss != h.Rules.Jurisdiction {
			continue
		}
		r := h.Rules
		out = append(out, RuleInForce{Evidence: Evidence{Ref: h.Ref, JWS: rc.hostJWS[h.Ref]}, RuleKind: registry.KindHostRules, HostRules: &r})
	}
	for _, g := range rc.agreements {
		t := g.fact.Agreement.Terms
		if !t.InForce(d) {
			continue
		}
		ri := RuleInForce{Evidence: Evidence{Ref: g.fact.Ref, JWS: g.jws}, RuleKind: registry.KindAgreement, Agreement: &t, SignedBy: g.fact.SignedBy}
		ri.WithdrawnOn, ri.WithdrawnBy = g.fact.FirstWithdrawal()
		for _, p := range t.Parties {
			if !slices.Contains(g.fact.SignedBy, p) {
				ri.Unsigned = append(ri.Unsigned, p)
			}
		}
		out = append(out, ri)
	}
	return out, nil
}
