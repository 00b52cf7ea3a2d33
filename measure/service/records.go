package service

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/corfed/corfed/measure"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
)

// records is the newest version of every record the metrics read (the
// node's certificates, audits, Employer Reviews and letters), decoded, as
// of the node's first size feed entries. It is read from every record once
// and then brought up to date from the entries the feed gains, so that an
// answer after a write costs the write, not the registry. Only the
// service's rebuild lock holder reads or changes it.
type records struct {
	size uint64
	// version changes whenever a record the metrics read does (an entry
	// of another kind, an employer say, leaves it): what the holders,
	// the process inputs and the answers cached from them are keyed by.
	version uint64
	certs   map[string]*measure.CertFacts // what the metrics read of each (measure.FactsOf)
	audits  map[string]measure.AuditFacts
	reviews map[string]measure.ReviewFacts
	letters map[string]measure.LetterFacts
}

// maxCatchUp is the most feed entries records reads to catch up; a larger
// gap is read from every record again (as cheap by then).
const maxCatchUp = 50_000

// sync brings s.recs up to the node's feed (the caller holds s.rebuild).
func (s *Service) sync(ctx context.Context) (*records, error) {
	n := s.cfg.Node
	_, size, err := n.Feed(ctx, 0, 1)
	if err != nil {
		return nil, err
	}
	r := s.recs
	if r != nil && r.size == size {
		return r, nil
	}
	if r == nil || size < r.size || size-r.size > maxCatchUp {
		old := r
		if r, err = readRecords(ctx, n); err != nil {
			return nil, err
		}
		if old != nil {
			r.version += old.version + 1 // never a version seen before
		}
		s.recs = r
		return r, nil
	}
	// Catch up in place, a page at a time: applying an entry twice is
	// harmless, so a failure part way leaves r right as of r.size, and the
	// next sync goes on from there. The holders and process inputs built
	// from r are copies.
	for r.size < size {
		es, _, err := n.Feed(ctx, r.size, registry.MaxScan)
		if err != nil {
			return nil, err
		}
		if len(es) == 0 {
			break
		}
		for _, e := range es {
			if err := r.apply(n, e); err != nil {
				return nil, err
			}
		}
		r.size = es[len(es)-1].Seq
	}
	return r, nil
}

// readRecords reads every record the metrics use, each kind in one read
// transaction.
func readRecords(ctx context.Context, n *node.Node) (*records, error) {
	_, size, err := n.Feed(ctx, 0, 1)
	if err != nil {
		return nil, err
	}
	r := &records{size: size, certs: map[string]*measure.CertFacts{}, audits: map[string]measure.AuditFacts{},
		reviews: map[string]measure.ReviewFacts{}, letters: map[string]measure.LetterFacts{}}
	var later []string // certificates on an audit basis past version 1: when v1 was recorded
	for _, kind := range []registry.Kind{registry.KindCertificate, kindAudit, kindReview, registry.KindLetter} {
		err := n.Each(ctx, kind, func(e registry.Entry) error {
			if err := r.apply(n, e); err != nil {
				return err
			}
			if c := r.certs[e.ID]; e.Kind == registry.KindCertificate && c.BasisRef != "" && e.Ver > 1 {
				later = append(later, e.ID)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	// Each's fn starts no transaction: the first versions are read after.
	for _, id := range later {
		if vs, err := n.Versions(ctx, registry.KindCertificate, id); err == nil && len(vs) > 0 {
			r.certs[id].RecordedOn = recordedOn(n, vs[0]) // not shared yet
		}
	}
	// Entries past size, appended during the scans, are applied again on
	// the next sync: applying an entry twice is harmless.
	return r, nil
}

func recordedOn(n *node.Node, e registry.Entry) registry.Date {
	return node.TodayIn(n.Jurisdiction(), time.Unix(e.Iat, 0))
}

// apply takes entry e, a record's newest version so far, into r.
func (r *records) apply(n *node.Node, e registry.Entry) error {
	switch e.Kind {
	case registry.KindCertificate, kindAudit, kindReview, registry.KindLetter:
		r.version++
	}
	switch e.Kind {
	case registry.KindCertificate:
		c, err := node.Decode[registry.Certificate](e)
		if err != nil {
			return err
		}
		f := measure.FactsOf(c)
		cf := &f
		if c.BasisRef != "" {
			if e.Ver == 1 {
				cf.RecordedOn = recordedOn(n, e)
			} else if old := r.certs[e.ID]; old != nil {
				cf.RecordedOn = old.RecordedOn
			}
		}
		r.certs[cf.ID] = cf // a new value: holders and process facts built before keep the old one
	case kindAudit:
		return decodeInto(e, r.audits)
	case kindReview:
		return decodeInto(e, r.reviews)
	case registry.KindLetter:
		return decodeInto(e, r.letters)
	}
	return nil
}

func decodeInto[T any](e registry.Entry, m map[string]T) error {
	var v T
	if err := json.Unmarshal(e.Record, &v); err != nil {
		return err
	}
	m[strings.Clone(e.ID)] = v // e's strings may share a buffer with the whole entry
	return nil
}

// values returns m's values ordered by id.
func values[T any](m map[string]T) []T {
	ids := slices.Sorted(maps.Keys(m))
	out := make([]T, len(ids))
	for i, id := range ids {
		out[i] = m[id]
	}
	return out
}

// certificates returns the certificates, in no order.
func (r *records) certificates() []*measure.CertFacts {
	return slices.Collect(maps.Values(r.certs))
}
