package node

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/corfed/corfed/registry"
)

// Query searches certificates. Empty fields do not filter.
type Query struct {
	BN      string
	Number  string
	Name    string // case- and accent-insensitive prefix of the employer's legal or operating name
	Status  string // status on AsOf (or today)
	Program string
	AsOf    registry.Date // zero: today
	Limit   int           // default 50, at most MaxLimit
	Cursor  string        // a SearchResult.Next of the same filters; empty: the first page
}

// MaxLimit bounds every list the node returns.
const MaxLimit = 500

// CertificateView is a certificate entry with its status on the date asked.
type CertificateView struct {
	Entry       registry.Entry
	Certificate registry.Certificate
	AsOf        registry.Date
	StatusAsOf  string
}

// certKey names an entry: its issuer's log and its seq there.
type certKey struct {
	iss registry.Jurisdiction
	seq uint64
}

func (n *Node) view(e registry.Entry, asOf registry.Date) (CertificateView, error) {
	// An entry never changes, so its decoded record is cached by issuer
	// and seq (the own feed's and each replica's seqs are distinct logs).
	k := certKey{e.Iss, e.Seq}
	c, ok := n.certs.get(k)
	if !ok {
		var err error
		if c, err = decode[registry.Certificate](e); err != nil {
			return CertificateView{}, err
		}
		n.certs.put(k, c)
	}
	return CertificateView{Entry: e, Certificate: c, AsOf: asOf, StatusAsOf: StatusOnDate(c, asOf)}, nil
}

// Certificate returns the newest version of certificate id with its status
// on asOf (zero: today).
func (n *Node) Certificate(ctx context.Context, id string, asOf registry.Date) (CertificateView, error) {
	if asOf.IsZero() {
		asOf = n.Today()
	}
	e, err := n.Record(ctx, registry.KindCertificate, id)
	if err != nil {
		return CertificateView{}, err
	}
	return n.view(e, asOf)
}

// SearchCertificates answers q from the node's own records (SearchLog over
// the own feed, in one snapshot).
func (n *Node) SearchCertificates(ctx context.Context, q Query) ([]CertificateView, error) {
	r, err := n.SearchCertificatesPage(ctx, q)
	return r.Certificates, err
}

// SearchCertificatesPage answers one page of q from the node's own
// records, with the cursor of the next page and the total when it is
// known (search.go).
func (n *Node) SearchCertificatesPage(ctx context.Context, q Query) (r SearchResult, err error) {
	err = n.View(ctx, func(s Snapshot) error {
		r, err = n.searchPage(s.Self(), n.cfg.Jurisdiction, q, true)
		return err
	})
	return r, err
}

// SearchLog is the one certificate search, for the node's own feed and a
// peer's verified replica alike: it walks the index that serves q's
// filters (search.go) and keeps the certificates that match q (status on
// q.AsOf, default today; program) and are certificates of iss (in a
// replica, a record naming another jurisdiction is never an answer of
// iss). At most q.Limit (default 50, at most MaxLimit) are returned: the
// first page (q.Cursor, if set, names a later one).
func (n *Node) SearchLog(l registry.Log, iss registry.Jurisdiction, q Query) ([]CertificateView, error) {
	r, err := n.searchPage(l, iss, q, false) // no total: a federated answer lists matches
	return r.Certificates, err
}

func matches(v CertificateView, q Query) bool {
	c := v.Certificate
	switch {
	case q.BN != "" && c.EmployerBN != q.BN,
		q.Number != "" && !strings.EqualFold(c.Number, q.Number),
		q.Program != "" && c.Program != q.Program,
		q.Status != "" && v.StatusAsOf != q.Status:
		return false
	}
	return true
}

// certificatesByKeys returns the ids of the certificates q's BN and
// Number name (both: those both name), through the index keys IndexKeys
// gives, in id order: a bounded set (one employer's, one number's).
func certificatesByKeys(l registry.Log, q Query) ([]string, error) {
	var sets [][]string
	for _, k := range []registry.IndexKey{{Name: "bn", Value: q.BN}, {Name: "number", Value: strings.ToLower(q.Number)}} {
		if k.Value == "" {
			continue
		}
		refs, err := l.Lookup(k.Name, k.Value, false, 10*MaxLimit)
		if err != nil {
			return nil, err
		}
		var s []string
		for _, r := range refs {
			if r.Kind == registry.KindCertificate {
				s = append(s, r.ID)
			}
		}
		sets = append(sets, s)
	}
	if len(sets) == 0 {
		return nil, nil
	}
	ids := dedupe(sets[0])
	for _, s := range sets[1:] {
		ids = slices.DeleteFunc(ids, func(id string) bool { return !slices.Contains(s, id) })
	}
	return ids, nil
}

func dedupe(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return slices.Compact(s)
}

// EmployerView is an employer with its certificates and equivalencies.
type EmployerView struct {
	Employer      registry.Entry
	Certificates  []CertificateView
	Equivalencies []registry.Entry
}

// Employer returns the employer bn with its certificates (status on asOf)
// and equivalency records.
func (n *Node) Employer(ctx context.Context, bn string, asOf registry.Date) (EmployerView, error) {
	if asOf.IsZero() {
		asOf = n.Today()
	}
	var v EmployerView
	err := n.db.View(ctx, func(tx registry.StoreTx) error {
		l := tx.Log(SelfLog)
		var err error
		if v.Employer, err = l.Latest(registry.KindEmployer, bn); err != nil {
			return err
		}
		refs, err := l.Lookup("bn", bn, false, 10*MaxLimit)
		if err != nil {
			return err
		}
		for _, r := range refs {
			e, err := l.Latest(r.Kind, r.ID)
			if err != nil {
				return err
			}
			switch r.Kind {
			case registry.KindCertificate:
				cv, err := n.view(e, asOf)
				if err != nil {
					return err
				}
				v.Certificates = append(v.Certificates, cv)
			case registry.KindEquivalency:
				v.Equivalencies = append(v.Equivalencies, e)
			}
		}
		return nil
	})
	if err != nil {
		return EmployerView{}, wrapNotFound(err, "employer", bn)
	}
	return v, nil
}

func wrapNotFound(err error, what, id string) error {
	if errors.Is(err, registry.ErrNotFound) {
		return fmt.Errorf("%s %s: %w", what, id, registry.ErrNotFound)
	}
	return err
}

// StatusOnDate is a certificate's status on d as reads report it: the
// status its signed history gives (registry.Certificate.StatusOn), and
// pending before its issue date (a certificate recorded ahead of its issue
// date, or before its first status, is not active yet). Nothing about
// the status on a date is stored: it is derived from the history.
func StatusOnDate(c registry.Certificate, d registry.Date) string {
	if st := c.StatusOn(d); st != "" {
		return st
	}
	return registry.StatusPending
}
