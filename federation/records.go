package federation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
)

// CertificateRecord is a certificate as the people's pages show it: every
// signed version, from the node's own log or a verified replica, and the
// result of checking the newest one again now (signature against the
// issuer's pinned key, inclusion in the issuer's log against its signed
// checkpoint).
type CertificateRecord struct {
	Iss         registry.Jurisdiction
	Certificate registry.Certificate // the newest version
	Versions    []registry.Entry     // oldest first
	Evidence    Evidence             // the newest version with its log inclusion
	// Verified is nil when signature and inclusion both verified; else why not.
	Verified error
	// Employer is the employer record of the certificate's BN that the same
	// node published, when there is one.
	Employer *registry.Employer
}

// Certificate finds certificate id in the node's own log, then in each
// verified replica, and checks its newest version as described on
// CertificateRecord. Unknown: ErrNotFound.
func (l *Lookups) Certificate(ctx context.Context, id string) (CertificateRecord, error) {
	return l.CertificateOf(ctx, id, "")
}

// CertificateOf is Certificate of jurisdiction iss's log alone ("": the
// first that holds it). A certificate id is unique only within its
// jurisdiction: two members' CPs may number alike.
func (l *Lookups) CertificateOf(ctx context.Context, id string, iss registry.Jurisdiction) (CertificateRecord, error) {
	var r CertificateRecord
	found := false
	n := l.fed.Node()
	err := n.View(ctx, func(sn node.Snapshot) error {
		for _, s := range l.sources() {
			if iss != "" && s.iss != iss {
				continue
			}
			lg := n.LogOf(sn, s.iss)
			vs, err := lg.Versions(registry.KindCertificate, id)
			if errors.Is(err, registry.ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			r.Iss, r.Versions, found = s.iss, vs, true
			last := vs[len(vs)-1]
			if err := json.Unmarshal(last.Record, &r.Certificate); err != nil {
				return fmt.Errorf("certificate %s: %w", id, err)
			}
			if e, err := lg.Latest(registry.KindEmployer, r.Certificate.EmployerBN); err == nil {
				var emp registry.Employer
				if json.Unmarshal(e.Record, &emp) == nil {
					r.Employer = &emp
				}
			}
			ev := []Evidence{{Ref: last.Ref(), JWS: last.JWS}}
			if err := l.attachLogs(sn, ev); err != nil {
				return err
			}
			r.Evidence = ev[0]
			return nil
		}
		return nil
	})
	if err != nil {
		return r, err
	}
	if !found {
		return r, fmt.Errorf("certificate %s: %w", id, registry.ErrNotFound)
	}
	_, r.Verified = VerifyEvidence(r.Evidence, l.fed.KeySet, l.fed.Node().Jurisdiction())
	return r, nil
}

// SearchWCB finds certificates across the node's own records and verified
// replicas by WCB account number: the certificates of employers whose
// record lists it open on asOf (zero: today in the node's province), and
// certificates that name it as their employer's account in their province,
// open on asOf. An account closed on an employer's record (or moved to
// another employer) finds none of that employer's certificates after it
// was closed. The answer has the shape of Search's, with each member's
// freshness.
func (l *Lookups) SearchWCB(ctx context.Context, account string, asOf registry.Date) (SearchResult, error) {
	key := registry.FoldWCB(account)
	if key == "" {
		return SearchResult{}, registry.Invalid("query.wcb", "the WCB account has no letters or digits")
	}
	n := l.fed.Node()
	// Without asOf, each member's accounts and certificates are read on
	// today's date where they were issued, as Search reads them: an
	// Ontario certificate that expired at midnight in Toronto is not
	// active for hours on a site in British Columbia.
	asOfGiven := !asOf.IsZero()
	if !asOfGiven {
		asOf = n.Today()
	}
	now := n.Now()
	res := SearchResult{AsOf: asOf, Certificates: []Found{}}
	var selfSize uint64
	err := n.View(ctx, func(sn node.Snapshot) error {
		selfSize = sn.Self().Size()
		for i, s := range l.sources() {
			asOf := asOf
			if !asOfGiven {
				asOf = node.TodayIn(s.iss, now)
			}
			lg := n.LogOf(sn, s.iss)
			refs, err := lg.Lookup("wcb", key, false, node.MaxLimit)
			if err != nil {
				return err
			}
			var ids []string
			for _, r := range refs {
				switch r.Kind {
				case registry.KindCertificate:
					// Only as its employer's account in its province
					// (see matchLog): a certificate stored with
					// another makes no holder.
					c, _, err := latestCert(lg, r.ID)
					if errors.Is(err, registry.ErrNotFound) || err == nil && c.Jurisdiction != s.iss {
						continue
					}
					if err != nil {
						return err
					}
					if _, ok, err := employerAccount(lg, c.EmployerBN, key, c.Jurisdiction, asOf); err != nil {
						return err
					} else if ok {
						ids = append(ids, r.ID)
					}
				case registry.KindEmployer:
					// The index keeps every account the record
					// ever listed: only one open on asOf counts.
					if _, ok, err := employerAccount(lg, r.ID, key, "", asOf); err != nil {
						return err
					} else if !ok {
						continue
					}
					crefs, err := lg.Lookup("bn", r.ID, false, node.MaxLimit)
					if err != nil {
						return err
					}
					for _, c := range crefs {
						if c.Kind == registry.KindCertificate {
							ids = append(ids, c.ID)
						}
					}
				}
			}
			found := 0
			seen := map[string]bool{}
			for _, id := range ids {
				if seen[id] || found >= node.MaxLimit {
					continue
				}
				seen[id] = true
				e, err := lg.Latest(registry.KindCertificate, id)
				if err != nil {
					continue
				}
				var c registry.Certificate
				if json.Unmarshal(e.Record, &c) != nil || c.Jurisdiction != s.iss {
					continue
				}
				res.Certificates = append(res.Certificates, Found{Evidence: Evidence{Ref: e.Ref(), JWS: e.JWS}, Certificate: c, StatusAsOf: c.StatusOn(asOf)})
				found++
			}
			src := "replica"
			if i == 0 {
				src = "self"
			}
			res.Members = append(res.Members, MemberResult{Jurisdiction: s.iss, Source: src, Status: "ok", Found: found})
		}
		return nil
	})
	if err != nil {
		return res, err
	}
	fresh, err := l.freshness(ctx, selfSize)
	if err != nil {
		return res, err
	}
	for i := range res.Members {
		for j := range fresh {
			if fresh[j].Jurisdiction == res.Members[i].Jurisdiction {
				res.Members[i].Freshness = &fresh[j]
			}
		}
	}
	return res, nil
}

// Employers returns the employer record of bn as each member that holds
// one published it (own records first).
func (l *Lookups) Employers(ctx context.Context, bn string) ([]EmployerRecord, error) {
	if err := registry.CheckBN("bn", bn); err != nil {
		return nil, err
	}
	n := l.fed.Node()
	var out []EmployerRecord
	err := n.View(ctx, func(sn node.Snapshot) error {
		for _, s := range l.sources() {
			e, err := n.LogOf(sn, s.iss).Latest(registry.KindEmployer, bn)
			if errors.Is(err, registry.ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			var emp registry.Employer
			if err := json.Unmarshal(e.Record, &emp); err != nil {
				return err
			}
			out = append(out, EmployerRecord{Iss: s.iss, Employer: emp, Entry: e})
		}
		return nil
	})
	return out, err
}

// EmployerRecord is an employer record and the member that published it.
type EmployerRecord struct {
	Iss      registry.Jurisdiction
	Employer registry.Employer
	Entry    registry.Entry
}
