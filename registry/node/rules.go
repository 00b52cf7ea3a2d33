package node

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/jose"
)

// AgreementType is the typ header of a party's signature on agreement terms.
const AgreementType = "corfed-agreement+jws"

// PublishHostRules stores a version of this jurisdiction's own recognition
// rules. A node publishes only its own jurisdiction's rules, and no two of
// its versions (under different ids) may be in force on one day, as in a
// rules file (registry.ParseHostRulesFile): a version whose period overlaps
// another's is refused with a problem at body.effective_from (it starts
// inside the other) or body.effective_to (it reaches into the other),
// naming the other. Publishing an id again is a new version of that
// record, which replaces it: amending rules is closing the version in force
// (the same id with an effective_to) and then publishing the next.
func (n *Node) PublishHostRules(ctx context.Context, p Principal, r registry.HostRules) (registry.Entry, error) {
	if err := p.require(ScopeRules); err != nil {
		return registry.Entry{}, err
	}
	if p.Role != RoleAdmin {
		return registry.Entry{}, fmt.Errorf("only the program administrator publishes rules: %w", registry.ErrForbidden)
	}
	if err := r.Validate(); err != nil {
		return registry.Entry{}, err
	}
	if r.Jurisdiction != n.cfg.Jurisdiction {
		return registry.Entry{}, registry.Invalid("body.jurisdiction", "this node publishes only %s's rules, not %s's", n.cfg.Jurisdiction, r.Jurisdiction)
	}
	// The check reads the versions stored and the commit adds this one: two
	// publications at once would each miss the other, so they are one at a
	// time (an administrator's act, rare).
	n.rules.Lock()
	defer n.rules.Unlock()
	var others []registry.HostRules
	var decErr error
	err := n.db.View(ctx, func(tx registry.StoreTx) error {
		return tx.Log(SelfLog).Scan(registry.KindHostRules, func(e registry.Entry) bool {
			if e.ID == r.ID {
				return true // the version this one replaces
			}
			var v registry.HostRules
			if v, decErr = decode[registry.HostRules](e); decErr != nil {
				return false
			}
			others = append(others, v)
			return true
		})
	})
	if err == nil {
		err = decErr
	}
	if err != nil {
		return registry.Entry{}, err
	}
	if err := rulesOverlap(r, others); err != nil {
		return registry.Entry{}, err
	}
	return n.commit(ctx, registry.KindHostRules, r.ID, nil, func(feedReader, *registry.Entry) (any, []registry.IndexKey, error) {
		return r, nil, nil
	})
}

// rulesOverlap refuses r when its period overlaps one of others'.
func rulesOverlap(r registry.HostRules, others []registry.HostRules) error {
	var errs []error
	for _, o := range others {
		if !o.EffectiveTo.IsZero() && o.EffectiveTo.Before(r.EffectiveFrom) || !r.EffectiveTo.IsZero() && r.EffectiveTo.Before(o.EffectiveFrom) {
			continue
		}
		if !r.EffectiveFrom.Before(o.EffectiveFrom) {
			errs = append(errs, registry.Invalid("body.effective_from", "overlaps version %s of these rules, in force %s; close it first (publish %s again with an effective_to before %s)",
				o.ID, rulesPeriod(o), o.ID, r.EffectiveFrom))
		} else {
			errs = append(errs, registry.Invalid("body.effective_to", "reaches into version %s of these rules, in force %s; end this version before %s",
				o.ID, rulesPeriod(o), o.EffectiveFrom))
		}
	}
	return registry.JoinInvalid(errs...)
}

func rulesPeriod(r registry.HostRules) string {
	if r.EffectiveTo.IsZero() {
		return "from " + r.EffectiveFrom.String() + " with no end"
	}
	return "from " + r.EffectiveFrom.String() + " to " + r.EffectiveTo.String()
}

// SignAgreement returns this node's party signature over the terms.
func (n *Node) SignAgreement(t registry.AgreementTerms) (registry.PartySignature, error) {
	payload, err := t.SigningPayload()
	if err != nil {
		return registry.PartySignature{}, err
	}
	jws, err := n.ActiveKey().Sign(payload, AgreementType)
	if err != nil {
		return registry.PartySignature{}, err
	}
	return registry.PartySignature{Party: string(n.cfg.Jurisdiction), JWS: jws}, nil
}

// PublishAgreement stores this node's copy of a reciprocity agreement it is
// a party to, carrying its own party signature over the terms and any other
// parties' signatures given (each verified against that party's pinned key;
// one that does not verify is refused). Readers union the party signatures
// over identical terms from every node, so each party publishing its own
// copy is enough for the agreement to be signed by all.
func (n *Node) PublishAgreement(ctx context.Context, p Principal, t registry.AgreementTerms, others []registry.PartySignature) (registry.Entry, error) {
	return n.publishAgreement(ctx, p, t, others, n.cfg.PartyKeys)
}

// publishAgreement is PublishAgreement verifying the others' signatures
// with partyKeys (the pinned keys of each party).
func (n *Node) publishAgreement(ctx context.Context, p Principal, t registry.AgreementTerms, others []registry.PartySignature,
	partyKeys func(registry.Jurisdiction) (*jose.KeySet, bool)) (registry.Entry, error) {
	if err := p.require(ScopeRules); err != nil {
		return registry.Entry{}, err
	}
	if p.Role != RoleAdmin {
		return registry.Entry{}, fmt.Errorf("only the program administrator signs agreements: %w", registry.ErrForbidden)
	}
	if err := t.Validate(); err != nil {
		return registry.Entry{}, err
	}
	if !t.HasParty(n.cfg.Jurisdiction) {
		return registry.Entry{}, registry.Invalid("body.terms.parties", "%s is not a party to agreement %s", n.cfg.Jurisdiction, t.ID)
	}
	own, err := n.SignAgreement(t)
	if err != nil {
		return registry.Entry{}, err
	}
	sigs := []registry.PartySignature{own}
	payload, _ := t.SigningPayload()
	for i, s := range others {
		party := registry.Jurisdiction(s.Party)
		field := fmt.Sprintf("body.signatures[%d]", i)
		switch {
		case party == n.cfg.Jurisdiction:
			continue // ours is freshly made
		case !t.HasParty(party):
			return registry.Entry{}, registry.Invalid(field+".party", "%s is not a party to agreement %s", s.Party, t.ID)
		case partyKeys == nil:
			return registry.Entry{}, registry.Invalid(field, "this node has no pinned key for %s to verify its signature (no federation)", s.Party)
		}
		keys, ok := partyKeys(party)
		if !ok {
			return registry.Entry{}, registry.Invalid(field, "no pinned key for %s", s.Party)
		}
		v, err := keys.Verify([]byte(s.JWS))
		if err != nil || !slices.Equal(v.Payload, payload) {
			return registry.Entry{}, registry.Invalid(field+".jws", "the signature of %s does not verify over these terms", s.Party)
		}
		sigs = append(sigs, s)
	}
	a := registry.Agreement{Terms: t, Signatures: sigs}
	return n.commit(ctx, registry.KindAgreement, t.ID, nil, func(feedReader, *registry.Entry) (any, []registry.IndexKey, error) {
		return a, nil, nil
	})
}

// SeedRules publishes the node's own host rules and its copy of every
// agreement it is a party to, from parsed rule files.
func (n *Node) SeedRules(ctx context.Context, rb RuleBook) (int, error) {
	admin := Principal{Subject: "seed", Role: RoleAdmin, Scopes: AllScopes}
	count := 0
	for _, versions := range rb.Hosts {
		for _, r := range versions {
			if r.Jurisdiction != n.cfg.Jurisdiction {
				continue
			}
			if _, err := n.PublishHostRules(ctx, admin, r); err != nil {
				return count, fmt.Errorf("host rules %s: %w", r.ID, err)
			}
			count++
		}
	}
	for _, t := range rb.Agreements {
		if !t.HasParty(n.cfg.Jurisdiction) {
			continue
		}
		if _, err := n.PublishAgreement(ctx, admin, t, nil); err != nil {
			return count, fmt.Errorf("agreement %s: %w", t.ID, err)
		}
		count++
	}
	return count, nil
}

// RuleBook is a set of parsed rule files: every jurisdiction's host rules
// and the reciprocity agreements.
type RuleBook struct {
	Hosts      [][]registry.HostRules
	Agreements []registry.AgreementTerms
}

// LoadRuleBook reads dir/hosts/*.json and dir/agreements/*.json (the format
// of testdata/rules, see its README).
func LoadRuleBook(dir string) (RuleBook, error) {
	var rb RuleBook
	hosts, err := filepath.Glob(filepath.Join(dir, "hosts", "*.json"))
	if err != nil {
		return rb, err
	}
	agreements, err := filepath.Glob(filepath.Join(dir, "agreements", "*.json"))
	if err != nil {
		return rb, err
	}
	if len(hosts) == 0 && len(agreements) == 0 {
		return rb, fmt.Errorf("no rule files under %s (want hosts/*.json and agreements/*.json)", dir)
	}
	for _, p := range hosts {
		b, err := os.ReadFile(p)
		if err != nil {
			return rb, err
		}
		rs, err := registry.ParseHostRulesFile(b)
		if err != nil {
			return rb, fmt.Errorf("%s: %w", p, err)
		}
		rb.Hosts = append(rb.Hosts, rs)
	}
	for _, p := range agreements {
		b, err := os.ReadFile(p)
		if err != nil {
			return rb, err
		}
		t, _, err := registry.ParseAgreementFile(b)
		if err != nil {
			return rb, fmt.Errorf("%s: %w", p, err)
		}
		rb.Agreements = append(rb.Agreements, t)
	}
	return rb, nil
}
